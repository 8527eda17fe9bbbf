import { appendFileSync, mkdirSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newThreadId } from "@skein/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ReadOnlyHome } from "../src/read-only/index.js";
import type { ListThreadsParams } from "../src/types.js";
import { localHome, type LocalHome } from "./local-helpers.js";

// The read-only path (src/read-only/, docs/cli-startup.md): it answers exactly as the store does,
// and declines whenever the store would first catch up with the files.

const line = (ts: string, type: string, payload: unknown) => JSON.stringify({ timestamp: ts, type, payload });

/** Writes a rollout dated `day` (YYYY-MM-DD) with the given facts; returns its id and path. */
function writeRollout(home: string, day: string, facts: { cwd: string; source?: string; provider?: string; text: string; archived?: boolean }) {
  const id = newThreadId();
  const ts = `${day}T03:04:05.000Z`;
  const [y, m, d] = day.split("-");
  const dir = facts.archived ? join(home, "archived_sessions") : join(home, "sessions", y!, m!, d!);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `rollout-${day}T03-04-05-${id}.jsonl`);
  const meta = { id, timestamp: ts, cwd: facts.cwd, originator: "test", cli_version: "0.169.0", source: facts.source ?? "cli", model_provider: facts.provider ?? "openai" };
  writeFileSync(path, [line(ts, "session_meta", meta), line(ts, "event_msg", { type: "user_message", message: facts.text, images: [] })].map((l) => `${l}\n`).join(""));
  const t = new Date(ts).getTime() / 1000;
  utimesSync(path, t, t);
  return { id, path };
}

describe("ReadOnlyHome", () => {
  let h: LocalHome;
  beforeEach(() => {
    h = localHome();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  async function indexedHome() {
    const written = [];
    for (let i = 0; i < 14; i++) {
      written.push(writeRollout(h.home, `2026-01-0${1 + (i % 4)}`, {
        cwd: `/w/${i % 3}`, source: i % 4 === 0 ? "exec" : "cli", provider: i % 5 === 0 ? "other" : "openai", text: `task ${i}`, archived: i % 6 === 5,
      }));
    }
    writeFileSync(join(h.home, "session_index.jsonl"), `${JSON.stringify({ id: written[2]!.id, thread_name: "Named one", updated_at: "2026-01-05T00:00:00Z" })}\n`);
    const store = await h.open();
    await store.close();
    return written;
  }

  it("lists exactly what the store lists: filters, sorts, archived, every page", async () => {
    await indexedHome();
    const ro = await ReadOnlyHome.open(h.home);
    expect(ro).toBeDefined();
    const store = await h.open();
    try {
      const cases: ListThreadsParams[] = [
        {},
        { sortKey: "updated", sortDirection: "desc" },
        { sortKey: "created", sortDirection: "asc", archived: true },
        { sortKey: "recency", sources: ["exec"], cwdFilters: ["/w/0", "/w/1"] },
        { modelProviders: ["other"], sortKey: "updated", sortDirection: "asc" },
        { cwdFilters: [] },
        { searchTerm: "TASK 1" },
      ];
      for (const params of cases) {
        let cursor: string | undefined;
        do {
          const p = { ...params, pageSize: 3, ...(cursor ? { cursor } : {}) };
          const full = await store.listThreads(p);
          expect(ro!.listThreads(p)).toEqual(full);
          cursor = full.nextCursor;
        } while (cursor);
      }
      const named = await store.listThreads({ pageSize: 100 });
      expect(named.items.some((t) => t.name === "Named one")).toBe(true);
      const bad = { pageSize: 3, cursor: "bogus" };
      const fullError = await store.listThreads(bad).catch((e: Error) => e);
      expect(() => ro!.listThreads(bad)).toThrow((fullError as Error).message);
      expect(() => ro!.listThreads({ pageSize: 0 })).toThrow(/pageSize/);
    } finally {
      ro!.close();
    }
  });

  it("declines until the store caught up with a new rollout, then lists it", async () => {
    await indexedHome();
    const added = writeRollout(h.home, "2026-01-02", { cwd: "/w/new", text: "written by someone else" });
    expect(await ReadOnlyHome.open(h.home)).toBeUndefined();
    const store = await h.open();
    await store.close();
    const ro = (await ReadOnlyHome.open(h.home))!;
    expect(ro).toBeDefined();
    expect(ro.listThreads({ pageSize: 100 })!.items.map((t) => t.threadId)).toContain(added.id);
    ro.close();
  });

  it("declines when a new day folder appears, when session_index.jsonl changes, and when no index exists", async () => {
    expect(await ReadOnlyHome.open(h.home)).toBeUndefined(); // never indexed
    await indexedHome();
    writeRollout(h.home, "2026-02-01", { cwd: "/w/x", text: "new day" });
    expect(await ReadOnlyHome.open(h.home)).toBeUndefined();
    await (await h.open()).close();
    expect(await ReadOnlyHome.open(h.home).then((ro) => (ro?.close(), ro !== undefined))).toBe(true);
    appendFileSync(join(h.home, "session_index.jsonl"), `${JSON.stringify({ id: newThreadId(), thread_name: "x", updated_at: "2026-01-06T00:00:00Z" })}\n`);
    expect(await ReadOnlyHome.open(h.home)).toBeUndefined();
  });

  it("gives no page when a listed row's file was emptied (the store repairs such rows)", async () => {
    const written = await indexedHome();
    const ro = (await ReadOnlyHome.open(h.home))!;
    const newest = ro.listThreads({ pageSize: 100 })!.items[0]!;
    truncateSync(written.find((w) => w.id === newest.threadId)!.path, 0);
    expect(ro.listThreads({ pageSize: 100 })).toBeUndefined();
    ro.close();
  });
});

describe("disk usage from the index", () => {
  let h: LocalHome;
  beforeEach(() => {
    h = localHome();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it("matches what every file's size says, and the read-only path matches the store", async () => {
    for (let i = 0; i < 9; i++) {
      writeRollout(h.home, `2026-0${1 + (i % 2)}-0${1 + (i % 3)}`, { cwd: i % 3 ? `/w/${i % 2}` : "", source: i % 2 ? "exec" : "cli", text: `t${i} ${"x".repeat(i * 50)}`, archived: i === 4 });
    }
    const store = await h.open();
    const fromIndex = await store.storage().diskUsage({ largest: 4 });
    const fromFiles = await store.storage().diskUsage({ largest: 4, deep: true });
    await store.close();
    const { deep: _deep, compression: _c, ...filesView } = fromFiles;
    const { compression: _c2, ...indexView } = fromIndex;
    expect(indexView).toEqual(filesView);
    expect(fromIndex.total.threads).toBe(9);
    expect(fromIndex.byMonth.map((g) => g.key)).toEqual(["2026-02", "2026-01"]);
    const ro = (await ReadOnlyHome.open(h.home))!;
    // The index files shrank when the store closed (WAL checkpointed); everything else is the same.
    expect({ ...ro.diskUsage({ largest: 4 }), indexes: fromIndex.indexes }).toEqual(fromIndex);
    ro.close();
  });
});
