import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CodexRunner } from "@skein/interop";
import { LocalThreadStore } from "@skein/thread-store";
import { describe } from "vitest";
import { chromiumSkipReason } from "../src/index.js";
import { viewerScenario, type ScenarioStore } from "./scenario.js";
import { writeLongThread, writePatchThread, XSS_TEXT } from "./support.js";

// Issue 17 acceptance over a home the real Codex 0.169.0 wrote (offline, against the mock
// model server of @skein/interop), plus two threads Skein wrote into it (a long one and an
// apply_patch edit). Codex itself appends to a thread and starts a new one while the page is open.

async function codexHomeStore(): Promise<ScenarioStore> {
  const codex = await CodexRunner.start();
  const longCwd = mkdtempSync(join(tmpdir(), "skein-long-project-"));
  try {
    const xss = (await codex.exec(XSS_TEXT)).threadId;
    const tool = (await codex.exec("[[tool:exec_command]] please run a command")).threadId;
    const deploy = (await codex.exec("notes about the zebra deployment")).threadId;
    const fork = (await codex.execFork(deploy, "forked: continue the zebra plan")).threadId;
    const local = await LocalThreadStore.open({ home: codex.codexHome });
    let patch: string;
    let long: string;
    try {
      patch = await writePatchThread(local, longCwd);
      long = await writeLongThread(local, longCwd, 120);
    } finally {
      await local.close();
    }
    return {
      storeArgs: ["--home", codex.codexHome],
      threads: { xss, tool, deploy, fork, long, patch },
      longCwd,
      source: "exec",
      appendTurn: async (threadId, text) => void (await codex.execResume(threadId, text)),
      newThread: async (text) => (await codex.exec(text)).threadId,
      close: async () => {
        await codex.close();
        rmSync(longCwd, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await codex.close();
    throw error;
  }
}

describe.skipIf(chromiumSkipReason())("skein serve in chromium, over a home Codex wrote", () => {
  viewerScenario(codexHomeStore);
});
