import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { LiveThread } from "@skein/core-session";
import { newThreadId } from "@skein/protocol";
import { activeRolloutPath, readRollout } from "@skein/rollout";
import { LocalThreadStore } from "@skein/thread-store";
import { describe, expect, it } from "vitest";
import { crashItem, crashSeqOf, runCrashCampaign } from "../src/index.js";
import { seedThread, useTempDirs } from "./helpers/home.js";

const tempDir = useTempDirs();
/** Quick mode; `pnpm torture` runs the long mode (2,000 kills). */
const QUICK_KILLS = Number(process.env["SKEIN_TORTURE_KILLS"] ?? 200);

describe("runCrashCampaign", () => {
  it(`keeps every acknowledged item in order, exactly once, through ${QUICK_KILLS} SIGKILLs`, async () => {
    const dir = tempDir();
    const report = await runCrashCampaign({ home: join(dir, "home"), workDir: join(dir, "acks"), kills: QUICK_KILLS, lanes: 4 });
    console.log(`crash quick: ${JSON.stringify(report)}`);
    expect(report.kills).toBe(QUICK_KILLS);
    expect(report.itemsAcknowledged).toBeGreaterThan(QUICK_KILLS);
    expect(report.indexChecks + report.indexChecksSkipped).toBeGreaterThanOrEqual(QUICK_KILLS);
    expect(report.indexChecks).toBeGreaterThanOrEqual(QUICK_KILLS * 0.9);
    expect(report.tornInjected + report.tornNatural).toBeGreaterThan(0);
    expect(report.tornKeptAside).toBeGreaterThan(0);
  }, 300_000);
});

describe("what a kill can leave behind", () => {
  const params = (home: string, threadId: ReturnType<typeof newThreadId>) => ({ threadId, source: "cli" as const, metadata: { cwd: home, modelProvider: "openai" } });

  // Was a bug: RolloutRecorder opens the rollout with O_CREAT and writes session_meta in a second
  // syscall; a kill in between leaves a 0-byte file, and the thread id was dead for good (resume:
  // "empty session file", create: "already exists"). The store now reads a 0-byte rollout as a
  // thread never written, and createThread writes into that file.
  it("a 0-byte rollout from a kill during create does not block the thread id", async () => {
    const home = join(tempDir(), "home");
    const threadId = newThreadId();
    const path = activeRolloutPath(home, threadId, Date.now());
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, "", { mode: 0o600 });
    const store = await LocalThreadStore.open({ home });
    try {
      await expect(store.readThread({ threadId })).rejects.toMatchObject({ code: "thread_not_found" });
      await expect(LiveThread.resume(store, params(home, threadId))).rejects.toMatchObject({ code: "thread_not_found" });
      expect((await store.listThreads({})).items.map((t) => t.threadId)).not.toContain(threadId);
      const live = await LiveThread.create(store, params(home, threadId));
      await live.appendItems([crashItem(1)]);
      await live.shutdown();
      const thread = await store.readThread({ threadId });
      expect(thread.rolloutPath).toBe(path);
      const read = await readRollout(path);
      expect(read.lines[0]?.type).toBe("session_meta");
      expect(read.lines.map(crashSeqOf).filter((s) => s !== undefined)).toEqual([1]);
    } finally {
      await store.close();
    }
  });

  // Was a bug: an older WriterLock wrote its holder after creating the lock file, so a kill in
  // between left an empty lock that blocked the thread forever. Locks are now created whole, and
  // an empty one older than a few seconds is taken over.
  it("an empty lock file an hour old (kill during lock creation) does not block the writer forever", async () => {
    const home = join(tempDir(), "home");
    const store = await LocalThreadStore.open({ home });
    try {
      const { threadId } = await seedThread(store, ["locked out"]);
      const lock = join(home, ".skein", "locks", `${threadId}.lock`);
      writeFileSync(lock, "", { mode: 0o600 });
      const hourAgo = Date.now() / 1000 - 3600;
      utimesSync(lock, hourAgo, hourAgo);
      const live = await LiveThread.resume(store, params(home, threadId));
      // The writer took the lock over: the file now names this process.
      expect((JSON.parse(readFileSync(lock, "utf8")) as { pid: number }).pid).toBe(process.pid);
      await live.appendItems([crashItem(3)]);
      await live.shutdown();
      const history = (await store.loadHistory({ threadId })).items;
      expect(history.map(crashSeqOf).filter((s) => s !== undefined)).toEqual([3]);
    } finally {
      await store.close();
    }
  });

  it("a stale lock left by a killed writer is taken over by the next writer", async () => {
    const home = join(tempDir(), "home");
    const store = await LocalThreadStore.open({ home });
    try {
      const { threadId } = await seedThread(store, ["was locked"]);
      const lock = join(home, ".skein", "locks", `${threadId}.lock`);
      // pid 2^22+1 is above Linux's pid_max: certainly not running.
      writeFileSync(lock, JSON.stringify({ pid: 4_194_305, hostname: (await import("node:os")).hostname(), startedAtMs: 1, token: "dead" }), { mode: 0o600 });
      const live = await LiveThread.resume(store, params(home, threadId));
      await live.appendItems([crashItem(7)]);
      await live.shutdown();
      const history = (await store.loadHistory({ threadId })).items;
      expect(history.map(crashSeqOf).filter((s) => s !== undefined)).toEqual([7]);
    } finally {
      await store.close();
    }
  });
});
