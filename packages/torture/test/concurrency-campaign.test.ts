import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { LiveThread } from "@skein/core-session";
import { newThreadId } from "@skein/protocol";
import { LocalThreadStore } from "@skein/thread-store";
import { makeTempDir } from "@skein/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { expectCleanExit, runConcurrencyCampaign, startWorker } from "../src/index.js";

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function tempDir(): string {
  const dir = makeTempDir();
  cleanups.push(dir.cleanup);
  return dir.path;
}

describe("runConcurrencyCampaign", () => {
  it("8 processes for 5 s: no error reaches a caller, histories equal the acks, the home is healthy", async () => {
    const dir = tempDir();
    const report = await runConcurrencyCampaign({ home: join(dir, "home"), workDir: join(dir, "acks"), processes: 8, durationMs: 5_000 });
    console.log(`concurrency quick: ${JSON.stringify(report)}`);
    expect(report.processes).toBe(8);
    expect(report.ops["append"]).toBeGreaterThan(50);
    expect(report.ops["archive"]).toBeGreaterThan(0);
    expect(report.ops["list"]).toBeGreaterThan(0);
    expect(report.itemsChecked).toBeGreaterThan(50);
  }, 120_000);
});

describe("two processes resuming one thread", () => {
  it("gives the writer to exactly one; the other gets a ConflictError naming the holder", async () => {
    const home = join(tempDir(), "home");
    const threadId = newThreadId();
    const store = await LocalThreadStore.open({ home });
    const live = await LiveThread.create(store, { threadId, source: "cli", metadata: { cwd: home, modelProvider: "openai" } });
    await live.appendItems([{ type: "event_msg", payload: { type: "user_message", message: "contended", images: [] } }]);
    await live.shutdown();
    await store.close();
    for (let round = 0; round < 3; round++) {
      const go = join(home, `..`, `go-${round}`);
      const workers = [0, 1].map((i) => startWorker("resume-contender", [home, threadId, go], `contender ${i}`));
      await Promise.all(workers.map((w) => w.waitForLine((l) => l === "ready")));
      writeFileSync(go, "");
      const results = (await Promise.all(workers.map((w) => w.waitForLine((l) => l.startsWith("{"))))).map(
        (l) => JSON.parse(l) as { ok: boolean; name?: string; code?: string; message?: string },
      );
      await Promise.all(workers.map(expectCleanExit));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const loser = results.find((r) => !r.ok)!;
      const winnerPid = workers[results.indexOf(results.find((r) => r.ok)!)]!.child.pid;
      expect(loser).toMatchObject({ name: "ConflictError", code: "conflict" });
      expect(loser.message).toMatch(new RegExp(`^thread-store conflict: thread ${threadId} already has a live writer \\(pid ${winnerPid} on .+\\)$`));
    }
  });

  // Was a bug: the lock was created (O_EXCL) and filled in a second syscall, so a contender could
  // read it empty and was told to remove it. Skein now creates locks whole (temp file + link);
  // an empty young lock (an older Skein mid-create, simulated by a process that fills it 30 ms
  // later) is waited for, and the contender names the holder.
  it("a contender that meets a lock being written names the live holder", async () => {
    const home = join(tempDir(), "home");
    const store = await LocalThreadStore.open({ home });
    try {
      const threadId = newThreadId();
      const live = await LiveThread.create(store, { threadId, source: "cli", metadata: { cwd: home, modelProvider: "openai" } });
      await live.appendItems([{ type: "event_msg", payload: { type: "user_message", message: "racy", images: [] } }]);
      await live.shutdown();
      const lock = join(home, ".skein", "locks", `${threadId}.lock`);
      const holder = { pid: process.pid, hostname: hostname(), startedAtMs: Date.now(), token: "racer" };
      writeFileSync(lock, "", { mode: 0o600 });
      const filler = spawn(process.execPath, ["-e", `setTimeout(() => require("fs").writeFileSync(${JSON.stringify(lock)}, ${JSON.stringify(JSON.stringify(holder))}), 30)`]);
      const filled = new Promise((r) => filler.on("close", r));
      const error = await LiveThread.resume(store, { threadId, metadata: { cwd: home, modelProvider: "openai" } }).then(
        () => undefined,
        (e: Error) => e,
      );
      await filled;
      expect(error?.message).toBe(`thread-store conflict: thread ${threadId} already has a live writer (pid ${process.pid} on ${hostname()})`);
    } finally {
      await store.close();
    }
  });
});
