import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LiveThread } from "@skein/core-session";
import { type ThreadId, newThreadId } from "@skein/protocol";
import { findRolloutPath } from "@skein/rollout";
import type { LocalThreadStore } from "@skein/thread-store";
import { makeTempDir } from "@skein/testkit";
import { afterEach } from "vitest";

/** The built `skein` binary. */
export const SKEIN_BIN = fileURLToPath(new URL("../../../cli/dist/bin.js", import.meta.url));

/** A temp dir removed after the current test. Call inside a test. */
export function useTempDirs(): () => string {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  return () => {
    const dir = makeTempDir();
    cleanups.push(dir.cleanup);
    return dir.path;
  };
}

/** A user message item. */
export function userMessage(message: string) {
  return { type: "event_msg" as const, payload: { type: "user_message", message, images: [] } };
}

/** Creates a thread with `messages` through LiveThread, shuts it down, returns its id and path. */
export async function seedThread(store: LocalThreadStore, messages: readonly string[]): Promise<{ threadId: ThreadId; path: string }> {
  const threadId = newThreadId();
  const live = await LiveThread.create(store, { threadId, source: "cli", metadata: { cwd: store.home, modelProvider: "openai" } });
  await live.appendItems(messages.map(userMessage));
  await live.shutdown();
  const found = await findRolloutPath(store.home, threadId);
  if (!found) throw new Error(`seeded thread ${threadId} has no file`);
  return { threadId, path: found.path };
}

/** What a `skein` child process did. */
export interface SkeinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node cli/dist/bin.js ...args` with no home variables inherited and colour off. */
export function runSkein(args: readonly string[], env: Record<string, string> = {}): Promise<SkeinRun> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "SKEIN_HOME" && k !== "CODEX_HOME") clean[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SKEIN_BIN, ...args], { env: { ...clean, NO_COLOR: "1", COLUMNS: "200", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
