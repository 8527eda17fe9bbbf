import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { newThreadId } from "@skein/protocol";
import { StateDb } from "@skein/state";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reindexHome, type SyncContext } from "../src/local/index-sync.js";
import type { ReindexProgress } from "../src/local/types.js";
import { localHome, type LocalHome } from "./local-helpers.js";

// Reindex and catch-up (src/local/index-sync.ts): what is read again, and what is not.

const BUILT_WORKER = new URL("../dist/local/extract-worker.js", import.meta.url);
/** Worker threads run the built worker (Node cannot load the .ts source): these tests need `pnpm build`. */
const noBuiltWorker = existsSync(fileURLToPath(BUILT_WORKER)) ? undefined : "thread-store is not built (dist/local/extract-worker.js missing)";

const line = (type: string, payload: unknown) => JSON.stringify({ timestamp: "2026-01-02T03:04:06.000Z", type, payload });
const meta = (id: string, cwd: string) =>
  line("session_meta", { id, timestamp: "2026-01-02T03:04:05.000Z", cwd, originator: "test", cli_version: "0.169.0", source: "cli", model_provider: "openai" });
const user = (text: string) => line("event_msg", { type: "user_message", message: text, images: [] });
const tokens = (total: number) => line("event_msg", { type: "token_count", info: { total_token_usage: { total_tokens: total } } });
const turnContext = (model: string) => line("turn_context", { cwd: "/tc", approval_policy: "never", model });

/** Writes a rollout for a new thread under the home's 2026/01/02 folder; returns its id and path. */
function writeRollout(home: string, lines: (id: string) => string[]): { id: string; path: string } {
  const id = newThreadId();
  const dir = join(home, "sessions/2026/01/02");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `rollout-2026-01-02T03-04-05-${id}.jsonl`);
  writeFileSync(path, lines(id).map((l) => `${l}\n`).join(""));
  return { id, path };
}

describe("reindex of grown files", () => {
  let h: LocalHome;
  beforeEach(() => {
    h = localHome();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it("reads a file that only grew from its recorded offset, not from byte 0", async () => {
    const { id, path } = writeRollout(h.home, (id) => [meta(id, "/aaaa"), user("first")]);
    const store = await h.open();
    // Change the already-indexed prefix in place (same length): a resumed pass cannot see it.
    writeFileSync(path, readFileSync(path, "utf8").replace('"cwd":"/aaaa"', '"cwd":"/bbbb"'));
    appendFileSync(path, `${tokens(77)}\n${turnContext("m2")}\n`);
    const report = await store.reindex();
    expect(report).toMatchObject({ indexed: 1, changed: 1, unchanged: 0 });
    expect(await store.readThread({ threadId: id })).toMatchObject({ cwd: "/aaaa", tokensUsed: 77, model: "m2", preview: "first" });
    await store.reindex({ full: true });
    expect((await store.readThread({ threadId: id })).cwd).toBe("/bbbb");
  });

  it("reads a rewritten file again from byte 0 when its old offset is no longer a line end", async () => {
    const { id, path } = writeRollout(h.home, (id) => [meta(id, "/aaaa"), user("first")]);
    const store = await h.open();
    writeFileSync(path, `${meta(id, `/${"c".repeat(500)}`)}\n${user("second")}\n`);
    await store.reindex();
    expect(await store.readThread({ threadId: id })).toMatchObject({ cwd: `/${"c".repeat(500)}`, preview: "second" });
  });
});

describe.skipIf(noBuiltWorker)("reindex on worker threads", () => {
  let h: LocalHome;
  beforeEach(() => {
    h = localHome();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  const withDb = async <T>(fn: (ctx: SyncContext) => Promise<T>, workers: number): Promise<T> => {
    const db = StateDb.open({ path: join(h.home, `skein_state_${workers}.sqlite`) });
    try {
      return await fn({ home: h.home, db, defaultModelProvider: "openai", now: Date.now, extract: { workers, minJobsForWorkers: 1, workerUrl: BUILT_WORKER } });
    } finally {
      db.close();
    }
  };
  const rowsOf = (workers: number) =>
    withDb(async (ctx) => {
      const report = await reindexHome(ctx);
      const rows = ctx.db!.listThreads({ pageSize: 1000, sortKey: "created", sortDirection: "desc", archived: false }).items;
      return { report, rows: rows.map(({ indexedAtMs: _i, ...row }) => row).sort((a, b) => a.threadId.localeCompare(b.threadId)) };
    }, workers);

  it("indexes the same rows as the in-process path", async () => {
    for (let i = 0; i < 40; i++) writeRollout(h.home, (id) => [meta(id, `/w${i}`), user(`task ${i}`), tokens(i), turnContext(`m${i % 3}`)]);
    writeRollout(h.home, () => [user("no session_meta here")]);
    const pooled = await rowsOf(2);
    const local = await rowsOf(0);
    expect(pooled.rows).toHaveLength(40);
    expect(pooled.rows).toEqual(local.rows);
    expect(pooled.report.extractionWorkers).toBe(2);
    expect(local.report.extractionWorkers).toBeUndefined();
    expect({ ...pooled.report, durationMs: 0, extractionWorkers: undefined }).toEqual({ ...local.report, durationMs: 0 });
    expect(pooled.report.unreadable).toBe(1);
  });

  // Regression for a one-off `Cannot read properties of undefined (reading 'kind')` in a cold
  // `skein reindex`: the pipeline and its progress must hold up with workers and a rival indexer.
  it("finishes a cold reindex with sane progress while another store indexes the same home", async () => {
    for (let i = 0; i < 1200; i++) writeRollout(h.home, (id) => [meta(id, "/p"), user(`t${i}`)]);
    const events: ReindexProgress[] = [];
    const db = StateDb.open({ path: join(h.home, "skein_state_1.sqlite") });
    try {
      const ctx: SyncContext = { home: h.home, db, defaultModelProvider: "openai", now: Date.now, extract: { workers: 2, minJobsForWorkers: 1, workerUrl: BUILT_WORKER } };
      const rival = await h.open({ catchUp: "none" });
      const [mine, theirs] = await Promise.all([reindexHome(ctx, { onProgress: (p) => events.push(p) }), rival.reindex()]);
      expect(mine.scanned).toBe(1200);
      expect(mine.indexed + theirs.indexed).toBeGreaterThanOrEqual(1200);
      expect(db.countThreads()).toBe(1200);
    } finally {
      db.close();
    }
    for (const p of events) expect(p.scanned).toBeLessThanOrEqual(p.total);
    expect(events.map((p) => p.scanned)).toEqual([...events.map((p) => p.scanned)].sort((a, b) => a - b));
  });
});

describe("quick catch-up of session_index.jsonl", () => {
  let h: LocalHome;
  beforeEach(() => {
    h = localHome();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  const entry = (id: string, name: string) => `${JSON.stringify({ id, thread_name: name, updated_at: "2026-01-02T03:04:07Z" })}\n`;
  const nameOf = async (id: string) => {
    const store = await h.open();
    const name = (await store.readThread({ threadId: id })).name;
    await store.close();
    return name;
  };

  it("applies names appended since the last open", async () => {
    const { id } = writeRollout(h.home, (id) => [meta(id, "/p"), user("x")]);
    await (await h.open()).close();
    appendFileSync(join(h.home, "session_index.jsonl"), entry(id, "Appended"));
    expect(await nameOf(id)).toBe("Appended");
  });

  it("leaves a line being written for the next open", async () => {
    const { id } = writeRollout(h.home, (id) => [meta(id, "/p"), user("x")]);
    await (await h.open()).close();
    const full = entry(id, "Later");
    appendFileSync(join(h.home, "session_index.jsonl"), full.slice(0, 20));
    expect(await nameOf(id)).toBeUndefined();
    appendFileSync(join(h.home, "session_index.jsonl"), full.slice(20));
    expect(await nameOf(id)).toBe("Later");
  });

  it("reads a replaced file whole, clearing a name its latest entry blanks", async () => {
    const { id } = writeRollout(h.home, (id) => [meta(id, "/p"), user("x")]);
    appendFileSync(join(h.home, "session_index.jsonl"), entry(id, "First"));
    expect(await nameOf(id)).toBe("First");
    const tmp = join(h.home, "session_index.jsonl.tmp");
    writeFileSync(tmp, entry(id, "Second") + entry(id, ""));
    renameSync(tmp, join(h.home, "session_index.jsonl"));
    expect(await nameOf(id)).toBeUndefined();
  });
});
