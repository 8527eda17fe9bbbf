import { appendFileSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import type { ThreadId } from "@skein/protocol";
import { readRollout } from "@skein/rollout";
import { type HomeCheckReport, LocalThreadStore } from "@skein/thread-store";
import { describe, expect, it } from "vitest";
import { runSkein, seedThread, useTempDirs, userMessage } from "./helpers/home.js";

const tempDir = useTempDirs();

async function openHome(home: string): Promise<LocalThreadStore> {
  return LocalThreadStore.open({ home });
}

async function listedIds(store: LocalThreadStore): Promise<string[]> {
  const ids: string[] = [];
  for (const archived of [false, true]) {
    let cursor: string | undefined;
    do {
      const page = await store.listThreads({ pageSize: 100, archived, ...(cursor ? { cursor } : {}) });
      ids.push(...page.items.map((t) => t.threadId));
      cursor = page.nextCursor;
    } while (cursor);
  }
  return ids.sort();
}

const line = (obj: unknown) => `${JSON.stringify(obj)}\n`;
const TS = "2026-01-01T00:00:00.000Z";

describe("a corrupted SQLite index", () => {
  it("with overwritten bytes is moved aside and rebuilt; every thread is still listed", async () => {
    const home = join(tempDir(), "home");
    const store = await openHome(home);
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push((await seedThread(store, [`thread ${i}`])).threadId);
    await store.close();
    const db = join(home, "skein_state_1.sqlite");
    const size = statSync(db).size;
    const fd = openSync(db, "r+");
    writeSync(fd, Buffer.alloc(Math.min(8192, size - 4096), 0xa5), 0, undefined, 4096);
    closeSync(fd);
    const reopened = await openHome(home);
    try {
      expect(reopened.recovered?.reason).toBeTruthy();
      expect(existsSync(reopened.recovered!.movedTo)).toBe(true);
      expect(await listedIds(reopened)).toEqual([...ids].sort());
      expect((await reopened.checkHome()).ok).toBe(true);
    } finally {
      await reopened.close();
    }
  });

  it("deleted while a writer runs: the writer keeps appending, reads answer, the next open rebuilds it", async () => {
    const home = join(tempDir(), "home");
    const store = await openHome(home);
    const other = await seedThread(store, ["before the deletion"]);
    const { LiveThread } = await import("@skein/core-session");
    const { newThreadId } = await import("@skein/protocol");
    const threadId = newThreadId();
    const live = await LiveThread.create(store, { threadId, source: "cli", metadata: { cwd: home, modelProvider: "openai" } });
    await live.appendItems([userMessage("first")]);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(join(home, `skein_state_1.sqlite${suffix}`), { force: true });
    await live.appendItems([userMessage("after the deletion")]);
    await live.shutdown();
    const read = await store.readThread({ threadId, includeHistory: true });
    expect(read.history?.filter((l) => l.type === "event_msg").map((l) => (l.payload as { message: string }).message)).toEqual(["first", "after the deletion"]);
    await store.close();
    const reopened = await openHome(home);
    try {
      expect(await listedIds(reopened)).toEqual([other.threadId, threadId].sort());
      expect((await reopened.checkHome()).ok).toBe(true);
    } finally {
      await reopened.close();
    }
  });

  // Was a bug: opening the store moves a corrupt DB aside and rebuilds it before checkHome runs,
  // and doctor ignored `store.recovered` (exit 0). Doctor now reports it as `db_recovered`.
  it("is reported by `skein doctor` with its fix, exit 1", async () => {
    const home = join(tempDir(), "home");
    const store = await openHome(home);
    await seedThread(store, ["one"]);
    await store.close();
    const db = join(home, "skein_state_1.sqlite");
    writeFileSync(db, Buffer.concat([readFileSync(db).subarray(0, 100), Buffer.alloc(4096, 0x5a)]));
    const run = await runSkein(["doctor", "--json", "--home", home]);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    const report = JSON.parse(run.stdout) as HomeCheckReport;
    const dbProblem = report.problems.find((p) => p.kind === "db_recovered");
    expect(dbProblem, run.stdout).toBeDefined();
    expect(existsSync(dbProblem!.path!)).toBe(true);
    expect(dbProblem!.detail).toContain(`it was moved to ${dbProblem!.path} and rebuilt from the rollout files`);
    expect(dbProblem!.fix).not.toBe("");
  });
});

interface DamagedHome {
  home: string;
  ids: Record<"torn" | "garbage" | "utf8" | "huge" | "future" | "healthy", ThreadId>;
  paths: Record<"torn" | "garbage" | "utf8" | "huge" | "future" | "healthy", string>;
  /** Byte offsets of the bad lines put into the garbage and utf8 files. */
  garbageAt: number[];
  utf8At: number[];
  tornAt: number;
}

/** One home, one thread per kind of damage, plus a healthy one. */
async function damagedHome(): Promise<DamagedHome> {
  const home = join(tempDir(), "home");
  const store = await openHome(home);
  const seeded = {} as Record<keyof DamagedHome["ids"], { threadId: ThreadId; path: string }>;
  for (const kind of ["torn", "garbage", "utf8", "huge", "future", "healthy"] as const) {
    seeded[kind] = await seedThread(store, [`${kind} thread`, `${kind} second message`]);
  }
  await store.close();
  // Torn: the last line cut in the middle.
  const tornSize = statSync(seeded.torn.path).size;
  truncateSync(seeded.torn.path, tornSize - 20);
  const tornAt = readFileSync(seeded.torn.path).lastIndexOf(0x0a) + 1;
  // Garbage lines between valid ones.
  const garbageAt: number[] = [];
  for (const junk of ["not json at all", "{\"timestamp\":", "[1,2,3]", "{\"type\":\"event_msg\"}"]) {
    garbageAt.push(statSync(seeded.garbage.path).size);
    appendFileSync(seeded.garbage.path, `${junk}\n`);
  }
  appendFileSync(seeded.garbage.path, line({ timestamp: TS, type: "event_msg", payload: { type: "agent_message", message: "after garbage" } }));
  // Invalid UTF-8: a valid-looking line with raw 0xff 0xfe bytes inside a string, and a bare invalid line.
  const utf8At = [statSync(seeded.utf8.path).size];
  appendFileSync(seeded.utf8.path, Buffer.concat([Buffer.from("\xff\xfe garbage "), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from("\n")]));
  appendFileSync(seeded.utf8.path, Buffer.concat([Buffer.from('{"timestamp":"2026-01-01T00:00:00.000Z","type":"event_msg","payload":{"type":"agent_message","message":"bad '), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from('"}}\n')]));
  // A 50 MB single line (a huge tool output), then a normal line.
  appendFileSync(seeded.huge.path, line({ timestamp: TS, type: "event_msg", payload: { type: "agent_message", message: "y".repeat(50 * 1024 * 1024) } }));
  appendFileSync(seeded.huge.path, line({ timestamp: TS, type: "event_msg", payload: { type: "agent_message", message: "after the huge line" } }));
  // A record kind from a future version.
  appendFileSync(seeded.future.path, line({ timestamp: TS, type: "hologram_snapshot", payload: { frames: 3, codec: "v9" } }));
  const ids = Object.fromEntries(Object.entries(seeded).map(([k, v]) => [k, v.threadId])) as DamagedHome["ids"];
  const paths = Object.fromEntries(Object.entries(seeded).map(([k, v]) => [k, v.path])) as DamagedHome["paths"];
  return { home, ids, paths, garbageAt, utf8At, tornAt };
}

describe("damaged rollouts", () => {
  it("every read answers; bad lines are reported with counts and byte positions", async () => {
    const d = await damagedHome();
    const garbage = await readRollout(d.paths.garbage);
    expect(garbage.parseErrors).toBe(4);
    expect(garbage.badLines.map((b) => b.byteOffset)).toEqual(d.garbageAt);
    expect(garbage.lines.at(-1)?.payload).toMatchObject({ message: "after garbage" });
    const torn = await readRollout(d.paths.torn);
    expect(torn.tornTail).toMatchObject({ byteOffset: d.tornAt, parsed: false });
    const utf8 = await readRollout(d.paths.utf8);
    expect(utf8.badLines.map((b) => b.byteOffset)).toEqual(d.utf8At);
    // The line with invalid bytes inside a JSON string still parses (U+FFFD): nothing is dropped.
    expect(utf8.lines.at(-1)?.payload).toMatchObject({ type: "agent_message" });
    const huge = await readRollout(d.paths.huge);
    expect(huge.parseErrors).toBe(0);
    expect(huge.lines.at(-1)?.payload).toMatchObject({ message: "after the huge line" });
    const future = await readRollout(d.paths.future);
    expect(future.parseErrors).toBe(0);
    expect(future.lines.at(-1)).toMatchObject({ type: "hologram_snapshot", payload: { frames: 3, codec: "v9" } });
  }, 60_000);

  it("no damaged thread is dropped from listings, and each reads with its history", async () => {
    const d = await damagedHome();
    const store = await openHome(d.home);
    try {
      expect(await listedIds(store)).toEqual(Object.values(d.ids).sort());
      for (const [kind, threadId] of Object.entries(d.ids)) {
        const record = await store.readThread({ threadId, includeHistory: true });
        expect(record.preview, kind).toBe(`${kind} thread`);
        expect(record.history!.length, kind).toBeGreaterThan(1);
      }
      const hits = await store.searchThreads({ searchTerm: "huge" });
      expect(hits.items.map((h) => h.thread.threadId)).toContain(d.ids.huge);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("`skein doctor` names each problem with a fix and exits 1", async () => {
    const d = await damagedHome();
    const run = await runSkein(["doctor", "--json", "--home", d.home]);
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as HomeCheckReport;
    const of = (threadId: string) => report.problems.filter((p) => p.threadId === threadId);
    expect(of(d.ids.torn).map((p) => p.kind)).toContain("torn_tail");
    expect(of(d.ids.torn).find((p) => p.kind === "torn_tail")!.detail).toContain(`at byte ${d.tornAt}`);
    const garbage = of(d.ids.garbage).find((p) => p.kind === "unreadable_lines")!;
    expect(garbage.detail).toBe(`4 unreadable line(s) at byte ${d.garbageAt.join(", ")}`);
    expect(of(d.ids.utf8).find((p) => p.kind === "unreadable_lines")!.detail).toBe(`1 unreadable line(s) at byte ${d.utf8At[0]}`);
    expect(of(d.ids.healthy)).toEqual([]);
    expect(of(d.ids.future)).toEqual([]);
    expect(of(d.ids.huge)).toEqual([]);
    for (const p of report.problems) expect(p.fix.length, p.kind).toBeGreaterThan(0);
    const text = await runSkein(["doctor", "--home", d.home]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`torn_tail ${d.paths.torn}`);
    expect(text.stdout.match(/ {4}fix: /g)?.length).toBe(report.problems.length);
  }, 60_000);

  it("a torn thread resumes: the fragment goes to <file>.torn and the append follows intact", async () => {
    const d = await damagedHome();
    const before = readFileSync(d.paths.torn);
    const fragment = before.subarray(d.tornAt);
    const store = await openHome(d.home);
    const { LiveThread } = await import("@skein/core-session");
    const live = await LiveThread.resume(store, { threadId: d.ids.torn, metadata: { cwd: d.home, modelProvider: "openai" } });
    await live.appendItems([userMessage("after the tear")]);
    await live.shutdown();
    await store.close();
    expect(readFileSync(`${d.paths.torn}.torn`)).toEqual(Buffer.concat([fragment, Buffer.from("\n")]));
    const read = await readRollout(d.paths.torn);
    expect(read.parseErrors).toBe(0);
    expect(read.tornTail).toBeUndefined();
    expect(readFileSync(d.paths.torn).subarray(0, d.tornAt)).toEqual(before.subarray(0, d.tornAt));
    expect(readdirSync(join(d.paths.torn, "..")).filter((n) => n.endsWith(".torn"))).toHaveLength(1);
  }, 60_000);
});
