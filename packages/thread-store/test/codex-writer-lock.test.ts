import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { codexWriterLockPath, isCodexWriterActive } from "../src/index.js";
import { makeCodexStateDb } from "./codex-index-helpers.js";
import { createParams, localHome, userTurn, type LocalHome } from "./local-helpers.js";

// Issue 15: Codex's writer locks (flock on thread-writer-locks/<id>.lock) are honoured both
// ways. Here another process holds the lock with flock(1), as Codex does; the interop suite
// proves the same with the real Codex binary.

const hasFlock = spawnSync("flock", ["--version"]).status === 0;
if (!hasFlock) console.warn("[codex-writer-lock.test] skipped: the flock(1) command (util-linux) is not installed");

let h: LocalHome;
let holder: ChildProcess | undefined;
afterEach(async () => {
  holder?.stdin?.end();
  holder?.kill("SIGKILL");
  holder = undefined;
  await h?.cleanup();
});

async function holdWithFlock(path: string): Promise<void> {
  holder = spawn("flock", ["-o", "-x", path, "-c", "echo held; exec cat"], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((done, fail) => {
    holder!.stdout!.once("data", () => done());
    holder!.once("exit", (code) => fail(new Error(`flock exited ${code}`)));
  });
}

describe.skipIf(!hasFlock)("Codex's writer locks", () => {
  async function codexHomeWithThread() {
    h = localHome();
    makeCodexStateDb(h.home);
    const store = await h.open();
    const params = createParams();
    await store.createThread(params);
    await store.appendItems({ threadId: params.threadId, items: userTurn("hi") });
    await store.shutdownThread({ threadId: params.threadId });
    return { store, threadId: params.threadId };
  }

  it("a thread another process holds is refused to Skein's writer, archive and delete", async () => {
    const { store, threadId } = await codexHomeWithThread();
    mkdirSync(join(h.home, "thread-writer-locks"), { recursive: true });
    await holdWithFlock(codexWriterLockPath(h.home, threadId));
    expect(isCodexWriterActive(h.home, threadId)).toBe(true);
    await expect(store.resumeThread({ threadId, metadata: { cwd: "/repo", modelProvider: "openai" } })).rejects.toThrow(/already has an active writer/);
    await expect(store.archiveThread({ threadId })).rejects.toThrow(/already has an active writer/);
    await expect(store.deleteThread({ threadId })).rejects.toThrow(/already has an active writer/);
    holder!.stdin!.end(); // -o: only flock(1) itself holds the lock; killing it drops the lock
    holder!.kill("SIGKILL");
    await new Promise((r) => holder!.once("exit", r));
    holder = undefined;
    expect(isCodexWriterActive(h.home, threadId)).toBe(false);
    await store.resumeThread({ threadId, metadata: { cwd: "/repo", modelProvider: "openai" } });
    await store.shutdownThread({ threadId });
  });

  it("Skein's live writer holds Codex's lock until it shuts down", async () => {
    const { store, threadId } = await codexHomeWithThread();
    await store.resumeThread({ threadId, metadata: { cwd: "/repo", modelProvider: "openai" } });
    const lockPath = codexWriterLockPath(h.home, threadId);
    expect(spawnSync("flock", ["-n", "-x", lockPath, "true"]).status).toBe(1);
    await store.shutdownThread({ threadId });
    expect(spawnSync("flock", ["-n", "-x", lockPath, "true"]).status).toBe(0);
    expect(existsSync(lockPath)).toBe(true); // kept, as Codex keeps its lock files
  });

  it("a home without Codex's files gets no thread-writer-locks folder", async () => {
    h = localHome();
    const store = await h.open();
    const params = createParams();
    await store.createThread(params);
    await store.appendItems({ threadId: params.threadId, items: userTurn("hi") });
    await store.shutdownThread({ threadId: params.threadId });
    expect(existsSync(join(h.home, "thread-writer-locks"))).toBe(false);
  });
});
