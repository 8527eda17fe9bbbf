import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LiveThread } from "@skein/core-session";
import { newThreadId } from "@skein/protocol";
import { findRolloutPath } from "@skein/rollout";
import { LocalThreadStore } from "@skein/thread-store";
import { makeTempDir } from "@skein/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { expectCleanExit, startWorker, workerScript } from "../src/index.js";

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function tempDir(): string {
  const dir = makeTempDir();
  cleanups.push(dir.cleanup);
  return dir.path;
}

const STRACE = spawnSync("strace", ["-V"]).status === 0;
const FSYNC_APPENDS = 20;

/** Runs the fsync writer under strace and returns the fsync/fdatasync calls on rollout files. */
function rolloutSyncs(home: string, fsync: boolean, traceFile: string): string[] {
  const run = spawnSync(
    "strace",
    ["-f", "-y", "-e", "trace=fsync,fdatasync", "-o", traceFile, process.execPath, workerScript("fsync-writer"), home, fsync ? "1" : "0", String(FSYNC_APPENDS)],
    { encoding: "utf8" },
  );
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(traceFile, "utf8").split("\n").filter((l) => /(fsync|fdatasync)\(\d+<[^>]*rollout-[^>]*\.jsonl>\)/.test(l));
}

describe("flush()", () => {
  it("hands every append to the OS: another process reads it as soon as flush resolves", async () => {
    const home = join(tempDir(), "home");
    const store = await LocalThreadStore.open({ home });
    const threadId = newThreadId();
    const live = await LiveThread.create(store, { threadId, source: "cli", metadata: { cwd: home, modelProvider: "openai" } });
    try {
      for (let i = 0; i < 5; i++) {
        await live.appendItems([{ type: "event_msg", payload: { type: "user_message", message: `visible ${i}`, images: [] } }]);
        await live.flush();
        const path = (await findRolloutPath(home, threadId))!.path;
        const reader = startWorker("append-reader", [path]);
        await expectCleanExit(reader);
        const seen = JSON.parse(reader.lines[0]!) as { messages: string[]; tornTail: unknown };
        expect(seen.messages.at(-1)).toBe(`visible ${i}`);
        expect(seen.messages.filter((m) => m.startsWith("visible"))).toHaveLength(i + 1);
        expect(seen.tornTail).toBeNull();
      }
    } finally {
      await live.shutdown();
      await store.close();
    }
  });
});

describe.skipIf(!STRACE)("opt-in fsync (observed with strace; skipped when strace is not installed)", () => {
  it("fsyncs the rollout at least once per flushed append when fsync is on", () => {
    const dir = tempDir();
    const syncs = rolloutSyncs(join(dir, "home"), true, join(dir, "trace"));
    expect(syncs.length).toBeGreaterThanOrEqual(FSYNC_APPENDS);
  });

  it("never fsyncs the rollout by default", () => {
    const dir = tempDir();
    expect(rolloutSyncs(join(dir, "home"), false, join(dir, "trace"))).toEqual([]);
  });
});
