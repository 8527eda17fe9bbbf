import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { newThreadId } from "@skein/protocol";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConflictError } from "../src/index.js";
import { LOCKS_SUBDIR, UNREADABLE_LOCK_STALE_MS, WriterLock, inspectWriterLock, writerLockPath } from "../src/local/writer-lock.js";

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CONTENDER = join(PACKAGE_DIR, "test", "fixtures", "lock-contender.mjs");
/** Above Linux's pid_max (2^22): certainly not running. */
const DEAD_PID = 4_194_305;

let dir: TempDir;
beforeEach(() => {
  dir = makeTempDir("skein-lock-");
});
afterEach(() => dir.cleanup());

function lockFile(threadId: string, content: string, ageMs = 0): string {
  const path = writerLockPath(dir.path, threadId as never);
  mkdirSync(join(dir.path, LOCKS_SUBDIR), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
  if (ageMs > 0) {
    const then = (Date.now() - ageMs) / 1000;
    utimesSync(path, then, then);
  }
  return path;
}

describe("WriterLock", () => {
  describe("acquire", () => {
    it("creates the lock whole: the holder record, mode 0600, no temp file left", async () => {
      const threadId = newThreadId();
      const lock = await WriterLock.acquire(dir.path, threadId, 1234);
      try {
        expect(JSON.parse(readFileSync(lock.path, "utf8"))).toEqual({ pid: process.pid, hostname: hostname(), startedAtMs: 1234, token: lock.holder.token });
        expect(statSync(lock.path).mode & 0o777).toBe(0o600);
        expect(statSync(dirname(lock.path)).mode & 0o777).toBe(0o700);
        expect(readdirSync(dirname(lock.path))).toEqual([`${threadId}.lock`]);
      } finally {
        lock.release();
      }
      expect(existsSync(lock.path)).toBe(false);
    });

    it("refuses a second writer while the first holds the lock, naming the holder", async () => {
      const threadId = newThreadId();
      const lock = await WriterLock.acquire(dir.path, threadId);
      try {
        await expect(WriterLock.acquire(dir.path, threadId)).rejects.toMatchObject({
          name: "ConflictError",
          message: `thread-store conflict: thread ${threadId} already has a live writer (pid ${process.pid} on ${hostname()})`,
        });
      } finally {
        lock.release();
      }
    });

    it("takes over a lock whose holder process is gone", async () => {
      const threadId = newThreadId();
      const path = lockFile(threadId, JSON.stringify({ pid: DEAD_PID, hostname: hostname(), startedAtMs: 1, token: "dead" }));
      const lock = await WriterLock.acquire(dir.path, threadId);
      lock.release();
      expect(lock.path).toBe(path);
      expect(readdirSync(dirname(path))).toEqual([]);
    });

    it(`takes over an empty lock older than ${UNREADABLE_LOCK_STALE_MS} ms at once (a kill during an older Skein's create)`, async () => {
      const threadId = newThreadId();
      lockFile(threadId, "", 3_600_000);
      const started = Date.now();
      const lock = await WriterLock.acquire(dir.path, threadId);
      lock.release();
      expect(Date.now() - started).toBeLessThan(UNREADABLE_LOCK_STALE_MS);
    });

    it("waits for an empty young lock that another process fills, then names that holder", async () => {
      const threadId = newThreadId();
      const path = writerLockPath(dir.path, threadId);
      const holder = { pid: process.pid, hostname: hostname(), startedAtMs: Date.now(), token: "racer" };
      // The filler is started (and has said so) before the empty lock exists, so a slow process start on
      // a loaded machine cannot make the lock look abandoned; it fills the lock 50 ms after "go".
      const filler = spawn(process.execPath, ["-e", `process.stdout.write("ready\\n"); process.stdin.once("data", () => setTimeout(() => { require("fs").writeFileSync(${JSON.stringify(path)}, ${JSON.stringify(JSON.stringify(holder))}); process.exit(0); }, 50))`], { stdio: ["pipe", "pipe", "inherit"] });
      const filled = new Promise((r) => filler.on("close", r));
      await new Promise<void>((ready) => filler.stdout!.once("data", () => ready()));
      lockFile(threadId, "");
      filler.stdin!.write("go\n");
      const error = await WriterLock.acquire(dir.path, threadId).then(() => undefined, (e: unknown) => e);
      await filled;
      expect(error).toEqual(new ConflictError(`thread ${threadId} already has a live writer (pid ${process.pid} on ${hostname()})`, { holder: `pid ${process.pid} on ${hostname()}` }));
    });

    it(`takes over an empty young lock that stays empty once it is ${UNREADABLE_LOCK_STALE_MS} ms old`, async () => {
      const threadId = newThreadId();
      lockFile(threadId, "", UNREADABLE_LOCK_STALE_MS - 400);
      const started = Date.now();
      const lock = await WriterLock.acquire(dir.path, threadId);
      lock.release();
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    });

    it("takes over a dead holder's lock although a takeover was left half done by a killed process", async () => {
      const threadId = newThreadId();
      const dead = JSON.stringify({ pid: DEAD_PID, hostname: hostname(), startedAtMs: 1, token: "dead" });
      const path = lockFile(threadId, dead);
      writeFileSync(`${path}.takeover`, dead, { mode: 0o600 });
      const lock = await WriterLock.acquire(dir.path, threadId);
      expect(JSON.parse(readFileSync(path, "utf8")).token).toBe(lock.holder.token);
      lock.release();
      expect(readdirSync(dirname(path))).toEqual([]);
    });
  });

  describe("acquireMany", () => {
    it("links one whole holder record to each free lock, refuses a live one, takes over a dead one", async () => {
      const [a, b, live, dead] = [newThreadId(), newThreadId(), newThreadId(), newThreadId()];
      const held = await WriterLock.acquire(dir.path, live);
      lockFile(dead, JSON.stringify({ pid: DEAD_PID, hostname: hostname(), startedAtMs: 1, token: "dead" }));
      const taken = await WriterLock.acquireMany(dir.path, [a, live, b, dead], 99);
      try {
        expect(taken[1]).toBeInstanceOf(ConflictError);
        expect((taken[1] as ConflictError).message).toContain(`thread ${live} already has a live writer (pid ${process.pid}`);
        const [la, lb, ld] = [taken[0], taken[2], taken[3]] as WriterLock[];
        for (const [lock, id] of [[la, a], [lb, b], [ld, dead]] as const) {
          expect(lock).toBeInstanceOf(WriterLock);
          expect(lock.path).toBe(writerLockPath(dir.path, id));
          expect(JSON.parse(readFileSync(lock.path, "utf8"))).toEqual({ pid: process.pid, hostname: hostname(), startedAtMs: 99, token: lock.holder.token });
          expect(statSync(lock.path).mode & 0o777).toBe(0o600);
          expect(inspectWriterLock(lock.path).kind).toBe("live");
        }
        // A second taker is refused each of them.
        await expect(WriterLock.acquire(dir.path, b)).rejects.toBeInstanceOf(ConflictError);
        expect(readdirSync(join(dir.path, LOCKS_SUBDIR)).sort()).toEqual([a, b, dead, live].map((id) => `${id}.lock`).sort());
      } finally {
        for (const lock of taken) if (lock instanceof WriterLock) lock.release();
        held.release();
      }
      expect(readdirSync(join(dir.path, LOCKS_SUBDIR))).toEqual([]);
    });

    it("releases a lock of the batch only while it is still that batch's file", async () => {
      const [a, b] = [newThreadId(), newThreadId()];
      const [la, lb] = (await WriterLock.acquireMany(dir.path, [a, b])) as WriterLock[];
      // Someone replaced b's lock by another file: b's release must leave it alone, a's still works.
      unlinkSync(lb!.path);
      writeFileSync(lb!.path, JSON.stringify({ pid: process.pid, hostname: hostname(), startedAtMs: 1, token: "other" }));
      la!.release();
      lb!.release();
      expect(readdirSync(join(dir.path, LOCKS_SUBDIR))).toEqual([`${b}.lock`]);
    });
  });

  describe("inspectWriterLock", () => {
    it("reports an unreadable lock with its age", () => {
      const path = lockFile(newThreadId(), "{not json", 10_000);
      const state = inspectWriterLock(path);
      expect(state.kind).toBe("unreadable");
      expect(state.kind === "unreadable" && state.ageMs).toBeGreaterThanOrEqual(9_000);
    });
  });
});

describe("WriterLock across processes", () => {
  const children: ChildProcess[] = [];
  beforeAll(() => {
    // Children run plain Node on dist/: build incrementally (a no-op when up to date).
    execFileSync(resolve(PACKAGE_DIR, "../../node_modules/.bin/tsc"), ["-b"], { cwd: PACKAGE_DIR, stdio: "pipe" });
  }, 120_000);
  afterEach(() => {
    for (const c of children.splice(0)) c.kill("SIGKILL");
  });

  function contender(threadId: string, go: string): { child: ChildProcess; lines: Promise<string[]> } {
    const child = spawn(process.execPath, [CONTENDER, dir.path, threadId, go], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    const lines = new Promise<string[]>((done) => {
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.on("close", () => done(out.split("\n").filter(Boolean)));
    });
    return { child, lines };
  }

  async function ready(child: ChildProcess): Promise<void> {
    await new Promise<void>((done) => {
      let out = "";
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (out.includes("ready\n")) {
          child.stdout!.off("data", onData);
          done();
        }
      };
      child.stdout!.on("data", onData);
    });
  }

  for (const [what, content, ageMs] of [
    ["a dead holder's lock", JSON.stringify({ pid: DEAD_PID, hostname: hostname(), startedAtMs: 1, token: "dead" }), 0],
    ["an old empty lock", "", 3_600_000],
  ] as const) {
    it(`lets exactly one of four processes take over ${what}; the others name the winner`, async () => {
      for (let round = 0; round < 3; round++) {
        const threadId = newThreadId();
        lockFile(threadId, content, ageMs);
        const go = join(dir.path, `go-${round}`);
        const racers = [0, 1, 2, 3].map(() => contender(threadId, go));
        await Promise.all(racers.map((r) => ready(r.child)));
        writeFileSync(go, "");
        const results = (await Promise.all(racers.map((r) => r.lines))).map((lines) => JSON.parse(lines.at(-1)!) as { ok?: boolean; pid?: number; message?: string });
        const winners = results.filter((r) => r.ok);
        expect(winners).toHaveLength(1);
        for (const loser of results.filter((r) => !r.ok)) {
          expect(loser.message).toBe(`thread-store conflict: thread ${threadId} already has a live writer (pid ${winners[0]!.pid} on ${hostname()})`);
        }
        expect(readdirSync(join(dir.path, LOCKS_SUBDIR)).filter((n) => n.includes(threadId))).toEqual([]);
      }
    });
  }
});
