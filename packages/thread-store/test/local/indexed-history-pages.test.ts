import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { activeRolloutPath, loadThreadHistory } from "@skein/rollout";
import { pageItems, pageTurns, type NormalizedHistoryPageQuery } from "../../src/history/index.js";
import { IndexedHistory } from "../../src/local/indexed-history.js";
import { pageIndexedItems, pageIndexedTurns } from "../../src/local/indexed-history-pages.js";
import { ItemIndexCache } from "../../src/local/item-index-cache.js";
import type { ItemPage, TurnPage } from "../../src/types.js";

const PARENT = "01a2143c-0000-7000-8000-00000000000a";
const CHILD = "01a2143c-0000-7000-8000-00000000000b";
const CREATED = Date.UTC(2026, 0, 2, 3, 4, 5);

function meta(id: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ timestamp: "2026-01-02T03:04:05.000Z", type: "session_meta", payload: { id, timestamp: "2026-01-02T03:04:05.000Z", cwd: "/w", ...extra } });
}

function event(type: string, fields: Record<string, unknown> = {}, second = 6): string {
  return JSON.stringify({ timestamp: `2026-01-02T03:04:${String(second % 60).padStart(2, "0")}.000Z`, type: "event_msg", payload: { type, ...fields } });
}

/** A small seeded PRNG (mulberry32): the same histories on every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random line a history may hold: content, turn boundaries (with, without and with foreign ids), bad and blank lines. */
function randomLine(next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const r = next();
  if (r < 0.5) {
    const s = Math.floor(next() * 60);
    return JSON.stringify({ timestamp: `2026-01-02T03:05:${String(s).padStart(2, "0")}.000Z`, type: "response_item", payload: { type: "message", text: "x".repeat(s * 7) } });
  }
  if (r < 0.65) return event("task_started", { turn_id: pick(["a", "b", "c"]) });
  if (r < 0.7) return event("turn_started");
  if (r < 0.85) {
    const id = pick(["a", "b", "c", undefined]);
    return event("task_complete", id === undefined ? {} : { turn_id: id });
  }
  if (r < 0.9) return event("turn_aborted", { turn_id: "b" });
  return pick(["{not json", "", "   ", JSON.stringify({ type: "event_msg" })]);
}

describe("pageIndexedItems and pageIndexedTurns", () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir("skein-indexed-");
  });
  afterEach(() => tmp.cleanup());

  function write(threadId: string, lines: string[], tail = ""): string {
    const path = activeRolloutPath(tmp.path, threadId, CREATED);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, lines.map((l) => `${l}\n`).join("") + tail);
    return path;
  }

  /** Every page of a walk in both directions, by both pagers, must be the same. */
  async function expectSamePages(path: string, pageSize: number, turnId?: string): Promise<void> {
    const lines = (await loadThreadHistory({ home: tmp.path, path })).lines;
    const history = await IndexedHistory.open(tmp.path, path, new ItemIndexCache(tmp.path));
    expect(history).toBeDefined();
    for (const sortDirection of ["asc", "desc"] as const) {
      for (const kind of ["items", "turns"] as const) {
        let cursor: string | undefined;
        do {
          const query: NormalizedHistoryPageQuery = {
            threadId: CHILD as never, includeArchived: false, cursor, pageSize, sortDirection, includeItems: true, turnId,
          };
          const want: ItemPage | TurnPage = kind === "items" ? pageItems(lines, query) : pageTurns(lines, query);
          const got: ItemPage | TurnPage = kind === "items" ? await pageIndexedItems(history!, query) : await pageIndexedTurns(history!, query);
          expect(got).toEqual(want);
          cursor = want.nextCursor;
        } while (cursor);
      }
    }
  }

  it("pages a history exactly like the whole-history pager, in both directions", async () => {
    const next = rng(9);
    for (let run = 0; run < 60; run++) {
      const body = Array.from({ length: Math.floor(next() * 60) }, () => randomLine(next));
      const path = write(CHILD, [meta(CHILD), ...body]);
      await expectSamePages(path, 1 + Math.floor(next() * 7));
    }
  });

  it("filters by turn id like the whole-history pager, duplicates and id-less turns included", async () => {
    const body = [event("task_started", { turn_id: "a" }), "{}", event("task_complete", { turn_id: "a" }), event("turn_started"), "{}", event("task_started", { turn_id: "a" }), "{}"];
    const path = write(CHILD, [meta(CHILD), ...body]);
    for (const turnId of ["a", "turn-4", "missing"]) await expectSamePages(path, 2, turnId);
  });

  it("counts a parseable torn last line, as the reader does", async () => {
    const path = write(CHILD, [meta(CHILD), event("task_started", { turn_id: "a" })], event("agent_message", { message: "partial" }));
    await expectSamePages(path, 1);
  });

  it("reads a paginated fork's inherited prefix up to its byte offset", async () => {
    const parentLines = [meta(PARENT), event("task_started", { turn_id: "a" }), event("task_complete", { turn_id: "a" })];
    const cut = parentLines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    write(PARENT, [...parentLines, event("task_started", { turn_id: "later" }), event("task_complete", { turn_id: "later" })]);
    const base = { history_mode: "paginated", history_base: { thread_id: PARENT, end_byte_offset: cut } };
    const path = write(CHILD, [meta(CHILD, base), event("task_started", { turn_id: "b" }), "{}", event("task_complete", { turn_id: "b" })]);
    await expectSamePages(path, 2);
  });

  it("declines a fork whose inherited prefix ends inside an open turn", async () => {
    const parentLines = [meta(PARENT), event("task_started", { turn_id: "a" })];
    const cut = parentLines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    write(PARENT, parentLines);
    const base = { history_mode: "paginated", history_base: { thread_id: PARENT, end_byte_offset: cut } };
    const path = write(CHILD, [meta(CHILD, base), event("task_complete", { turn_id: "a" })]);
    expect(await IndexedHistory.open(tmp.path, path, new ItemIndexCache(tmp.path))).toBeUndefined();
  });

  it("pages exactly from a sidecar read with only its newest turns", async () => {
    const big = JSON.stringify({ timestamp: "2026-01-02T03:05:00.000Z", type: "response_item", payload: { type: "message", text: "y".repeat(3000) } });
    const turns = Array.from({ length: 400 }, (_, i) => [event("task_started", { turn_id: `t${i}` }), big, event("task_complete", { turn_id: `t${i}` })]);
    const path = write(CHILD, [meta(CHILD), ...turns.flat()]);
    await IndexedHistory.open(tmp.path, path, new ItemIndexCache(tmp.path)); // stores the sidecar
    expect((await new ItemIndexCache(tmp.path).get(path)).turnsFrom).toBeGreaterThan(0);
    await expectSamePages(path, 120);
    await expectSamePages(path, 50, "t3");
  });

  it("stays exact after the file grows between opens, through a stored sidecar", async () => {
    const big = JSON.stringify({ timestamp: "2026-01-02T03:05:00.000Z", type: "response_item", payload: { type: "message", text: "y".repeat(4000) } });
    const lines = [meta(CHILD), ...Array.from({ length: 300 }, (_, i) => (i % 50 === 0 ? event("task_started", { turn_id: `t${i}` }) : big))];
    const path = write(CHILD, lines);
    await IndexedHistory.open(tmp.path, path, new ItemIndexCache(tmp.path));
    expect(existsSync(join(tmp.path, ".skein", "cache", "item-index", `${basename(path)}.idx`))).toBe(true);
    writeFileSync(path, [...lines, event("task_complete", { turn_id: "t250" }), big].map((l) => `${l}\n`).join(""));
    await expectSamePages(path, 40);
  });
});
