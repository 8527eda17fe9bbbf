import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { compressRolloutFile, readRollout, scanRolloutFiles } from "@skein/rollout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner, lastUserText } from "../src/index.js";
import { openSkeinSide } from "./support/skein-writer.js";
import { openSkeinStore } from "./support/skein-store.js";

// Issue 13 with the real Codex 0.169: a thread whose rollout was compressed to `.jsonl.zst` (as
// Codex's compression worker leaves it), a hand-written session_meta with an odd field type, and
// a hand-written rollout of the 2025 generation, in one home. Codex lists and resumes the
// compressed thread; Skein lists every thread Codex lists (and the 2025 one Codex no longer
// shows); Codex resumes Skein's fork of the 2025 thread with its history.

const OLD = "5973b6c0-94b8-487b-a530-2aeb6098ae0e";
const ODD = "01a2143c-0004-7000-8000-000000000004";
const OLD_QUESTION = "why does the build fail?";
const OLD_ANSWER = "A header is missing.";

function write(path: string, lines: unknown[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, lines.map((l) => `${JSON.stringify(l)}\n`).join(""), { mode: 0o600 });
}

describe("compressed, odd and 2025-generation rollouts with the real Codex", () => {
  let codex: CodexRunner;
  let compressed: string;
  let plainThread: string;
  let zstPath: string;

  beforeAll(async () => {
    codex = await CodexRunner.start();
    // Hand-written files first: Codex indexes what is in a fresh home on its first run.
    const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
    write(join(codex.codexHome, "sessions", "2025", "05", "07", `rollout-2025-05-07T17-24-21-${OLD}.jsonl`), [
      { id: OLD, timestamp: "2025-05-07T17:24:21.123Z", instructions: null, git: null },
      { record_type: "state" },
      user(`<environment_context>\n  <cwd>${codex.workDir}</cwd>\n</environment_context>`),
      user(OLD_QUESTION),
      { type: "function_call", id: "fc_1", name: "shell", arguments: '{"command":["make"]}', call_id: "call_old_1" },
      { type: "function_call_output", call_id: "call_old_1", output: '{"output":"error: missing header"}' },
      { type: "message", id: "msg_1", role: "assistant", content: [{ type: "output_text", text: OLD_ANSWER }] },
      { record_type: "state" },
    ]);
    const t = "2026-01-04T10:00:00.000Z";
    write(join(codex.codexHome, "sessions", "2026", "01", "04", `rollout-2026-01-04T10-00-00-${ODD}.jsonl`), [
      { timestamp: t, type: "session_meta", payload: { id: ODD, timestamp: t, cwd: codex.workDir, originator: "codex_cli_rs", cli_version: "0.120.0", source: "exec", model_provider: "mock", base_instructions: "a plain string" } },
      { timestamp: t, type: "response_item", payload: user("odd fields still list") },
      { timestamp: t, type: "event_msg", payload: { type: "user_message", message: "odd fields still list", images: [] } },
      { timestamp: t, type: "response_item", payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: "ok" }] } },
      { timestamp: t, type: "event_msg", payload: { type: "agent_message", message: "ok" } },
    ]);
    compressed = (await codex.exec("a thread that gets compressed")).threadId;
    plainThread = (await codex.exec("a thread that stays plain")).threadId;
    const found = (await scanRolloutFiles(codex.codexHome)).find((f) => f.threadId === compressed)!;
    const result = await compressRolloutFile(found.path);
    expect(result.outcome).toBe("compressed");
    zstPath = result.path;
  }, 180_000);
  afterAll(async () => {
    await codex?.close();
  });

  it("Skein lists every thread Codex lists, with Codex's previews, and the 2025 thread Codex no longer shows", async () => {
    const app = await codex.appServer();
    const codexThreads = await app.listThreads({ modelProviders: [] });
    await app.close();
    const codexIds = codexThreads.map((t) => t.id).sort();
    expect(codexIds).toEqual([compressed, plainThread, ODD].sort());
    await using store = await openSkeinStore(codex.codexHome);
    const ours = (await store.listThreads({ pageSize: 100 })).items;
    const byId = new Map(ours.map((t) => [t.threadId, t]));
    for (const theirs of codexThreads) expect(byId.get(theirs.id)?.preview).toBe(theirs.preview);
    expect(byId.get(compressed)?.rolloutPath).toBe(zstPath);
    expect(byId.get(OLD)).toMatchObject({ preview: OLD_QUESTION, cwd: codex.workDir });
    expect(ours).toHaveLength(4);
  });

  it("Codex resumes the thread Skein reads from its .jsonl.zst, with its history, and leaves it plain", async () => {
    {
      await using store = await openSkeinStore(codex.codexHome);
      const history = (await store.loadHistory({ threadId: compressed })).items;
      expect(JSON.stringify(history)).toContain("a thread that gets compressed");
    }
    await codex.execResume(compressed, "after compression");
    const request = codex.mock.requestsFor(compressed).find((r) => lastUserText(r.body) === "after compression")!;
    expect(JSON.stringify(request.body)).toContain("a thread that gets compressed");
    expect(existsSync(zstPath)).toBe(false);
    const plain = zstPath.slice(0, -".zst".length);
    expect((await readRollout(plain)).parseErrors).toBe(0);
    await using store = await openSkeinStore(codex.codexHome);
    const thread = await store.readThread({ threadId: compressed, includeHistory: true });
    expect(thread.rolloutPath).toBe(plain);
    expect(JSON.stringify(thread.history)).toContain("after compression");
  });

  it("Codex resumes Skein's fork of a 2025-generation thread with its history", async () => {
    let forkId: string;
    {
      await using skein = await openSkeinSide(codex.codexHome, { cwd: codex.workDir, provider: "mock" });
      await expect(skein.manager.resumeThread({ threadId: OLD as never })).rejects.toThrow(/read-only: fork it/);
      const fork = await skein.manager.forkThread({ threadId: OLD as never });
      forkId = fork.threadId;
      await fork.shutdown();
    }
    await codex.execResume(forkId, "continue the old conversation");
    const request = codex.mock.requestsFor(forkId).find((r) => lastUserText(r.body) === "continue the old conversation")!;
    const body = JSON.stringify(request.body);
    expect(body).toContain(OLD_QUESTION);
    expect(body).toContain(OLD_ANSWER);
    expect(body).toContain("call_old_1");
    const app = await codex.appServer();
    const listed = await app.listThreads({ modelProviders: [] });
    await app.close();
    expect(listed.find((t) => t.id === forkId)?.preview).toBe(OLD_QUESTION);
  });
});
