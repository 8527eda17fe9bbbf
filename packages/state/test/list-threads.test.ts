import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, InvalidCursorError, type ListThreadsParams, type StateDb } from "../src/index.js";
import { buildListQuery } from "../src/list-threads.js";
import { threadRow, useTempDb } from "./helpers/builders.js";

const T0 = 1_700_000_000_000;

/** Inserts `n` rows with distinct recency (10 s apart, oldest first); returns their ids. */
function seed(db: StateDb, n: number, overrides: Parameters<typeof threadRow>[0] = {}): string[] {
  const rows = Array.from({ length: n }, (_, i) => threadRow({ updatedAt: T0 + i * 10_000, ...overrides }));
  db.upsertMany(rows);
  return rows.map((r) => r.threadId);
}

function allPages(db: StateDb, params: ListThreadsParams): string[] {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = db.listThreads({ ...params, cursor });
    ids.push(...page.items.map((r) => r.threadId));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

describe("listThreads", () => {
  const temp = useTempDb();

  it("lists newest recency first by default", () => {
    const db = temp.open();
    const ids = seed(db, 3);
    expect(db.listThreads({}).items.map((r) => r.threadId)).toEqual([...ids].reverse());
  });

  it("pages through every row exactly once in both directions", () => {
    const db = temp.open();
    const ids = seed(db, 25);
    expect(allPages(db, { pageSize: 7, sortKey: "updated", sortDirection: "asc" })).toEqual(ids);
    expect(allPages(db, { pageSize: 7, sortKey: "updated", sortDirection: "desc" })).toEqual([...ids].reverse());
  });

  it("breaks ties on id so equal sort values neither repeat nor skip across pages", () => {
    const db = temp.open();
    const rows = Array.from({ length: 10 }, () => threadRow({ createdAt: T0 }));
    db.upsertMany(rows);
    const expected = rows.map((r) => r.threadId).sort().reverse();
    expect(allPages(db, { pageSize: 3, sortKey: "created" })).toEqual(expected);
  });

  it("neither duplicates nor skips rows when rows are inserted between pages", () => {
    const db = temp.open();
    const ids = seed(db, 20);
    const seen: string[] = [];
    const insertedAhead: string[] = [];
    let cursor: string | undefined;
    for (let round = 0; round < 50; round++) {
      const page = db.listThreads({ pageSize: 5, sortKey: "created", sortDirection: "asc", cursor });
      seen.push(...page.items.map((r) => r.threadId));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
      // New threads arrive while the user pages: one sorts before the cursor, one after it.
      const behind = threadRow({ createdAt: T0 - 1_000_000 - round });
      const ahead = threadRow({ createdAt: T0 + 5_000_000 + round });
      db.upsertMany([behind, ahead]);
      insertedAhead.push(ahead.threadId);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...ids, ...insertedAhead]);
  });

  it("hides rows with an empty preview unless asked", () => {
    const db = temp.open();
    const [shown] = seed(db, 1);
    const hidden = db.upsertThread(threadRow({ preview: "" })).threadId;
    expect(db.listThreads({}).items.map((r) => r.threadId)).toEqual([shown]);
    expect(db.listThreads({ includeEmptyPreview: true }).items.map((r) => r.threadId).sort()).toEqual([shown, hidden].sort());
  });

  it("filters by cwd, and an empty cwd list matches nothing", () => {
    const db = temp.open();
    const [a] = seed(db, 1, { cwd: "/a" });
    seed(db, 1, { cwd: "/b" });
    const [c] = seed(db, 1, { cwd: "/c" });
    expect(db.listThreads({ cwdFilters: ["/a", "/c"] }).items.map((r) => r.threadId).sort()).toEqual([a, c].sort());
    expect(db.listThreads({ cwdFilters: [] }).items).toEqual([]);
  });

  it("filters by source key and model provider; empty lists match everything", () => {
    const db = temp.open();
    const [cli] = seed(db, 1, { source: "cli", modelProvider: "openai" });
    const [atlas] = seed(db, 1, { source: { custom: "atlas" }, modelProvider: "ollama" });
    expect(db.listThreads({ sources: ["atlas"] }).items.map((r) => r.threadId)).toEqual([atlas]);
    expect(db.listThreads({ modelProviders: ["openai"] }).items.map((r) => r.threadId)).toEqual([cli]);
    expect(db.listThreads({ sources: [], modelProviders: [] }).items).toHaveLength(2);
  });

  it("filters by parent thread", () => {
    const db = temp.open();
    const [parent] = seed(db, 1);
    const [child] = seed(db, 1, { parentThreadId: parent! });
    expect(db.listThreads({ parentThreadId: parent! }).items.map((r) => r.threadId)).toEqual([child]);
  });

  it("matches searchTerm case-insensitively as a substring of name, title or preview", () => {
    const db = temp.open();
    const [byPreview] = seed(db, 1, { preview: "Fix the ÜBER parser" });
    const [byTitle] = seed(db, 1, { preview: "x", title: "über title" });
    const [byName] = seed(db, 1, { preview: "y", name: "Über name" });
    seed(db, 1, { preview: "nothing here" });
    expect(db.listThreads({ searchTerm: "über" }).items.map((r) => r.threadId).sort()).toEqual([byPreview, byTitle, byName].sort());
  });

  it("treats SQL in searchTerm as text", () => {
    const db = temp.open();
    seed(db, 2);
    expect(db.listThreads({ searchTerm: "'; DROP TABLE threads; --" }).items).toEqual([]);
    expect(db.countThreads()).toBe(2);
  });

  it("rejects a page size outside 1..1000", () => {
    const db = temp.open();
    expect(() => db.listThreads({ pageSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => db.listThreads({ pageSize: 1001 })).toThrow(InvalidArgumentError);
  });

  it("rejects a cursor from a query with different filters", () => {
    const db = temp.open();
    seed(db, 5, { cwd: "/a" });
    const { nextCursor } = db.listThreads({ pageSize: 2, cwdFilters: ["/a"] });
    expect(() => db.listThreads({ pageSize: 2, cwdFilters: ["/b"], cursor: nextCursor })).toThrow(
      new InvalidCursorError("it belongs to a different query"),
    );
    expect(() => db.listThreads({ pageSize: 2, sortKey: "created", cwdFilters: ["/a"], cursor: nextCursor })).toThrow(
      InvalidCursorError,
    );
  });

  it("accepts a cursor with a different page size", () => {
    const db = temp.open();
    const ids = seed(db, 5);
    const first = db.listThreads({ pageSize: 2 });
    const rest = db.listThreads({ pageSize: 10, cursor: first.nextCursor });
    expect([...first.items, ...rest.items].map((r) => r.threadId)).toEqual([...ids].reverse());
  });

  const TAMPERED: [string, (valid: string) => string, string][] = [
    ["garbage characters", () => "not a cursor!", "not a cursor string"],
    ["an empty string", () => "", "not a cursor string"],
    ["base64 of non-JSON", () => Buffer.from("{oops").toString("base64url"), "undecodable"],
    ["a JSON array", () => Buffer.from("[1]").toString("base64url"), "unsupported version undefined"],
    ["a future version", (v) => reencode(v, (b) => ({ ...b, v: 2 })), "unsupported version 2"],
    ["a string position", (v) => reencode(v, (b) => ({ ...b, t: "1; DROP TABLE threads" })), "malformed position"],
    ["an edited fingerprint", (v) => reencode(v, (b) => ({ ...b, f: "AAAAAAAAAAAAAAAA" })), "it belongs to a different query"],
    ["an edited position", (v) => reencode(v, (b) => ({ ...b, t: (b["t"] as number) - 1 })), "it was modified"],
    ["an edited id", (v) => reencode(v, (b) => ({ ...b, id: "00000000-0000-7000-8000-000000000000" })), "it was modified"],
  ];

  for (const [label, tamper, reason] of TAMPERED) {
    it(`rejects a cursor that is ${label}`, () => {
      const db = temp.open();
      seed(db, 3);
      const { nextCursor } = db.listThreads({ pageSize: 1 });
      expect(() => db.listThreads({ pageSize: 1, cursor: tamper(nextCursor!) })).toThrow(new InvalidCursorError(reason));
    });
  }

  it("uses the (archived, recency, id) index for the default listing, without a sort step", () => {
    const db = temp.open();
    seed(db, 3);
    const query = buildListQuery({ pageSize: 50 });
    if (query === "empty") throw new Error("unexpected empty query");
    const raw = new Database(temp.dbPath(), { readonly: true });
    const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as { detail: string }[])
      .map((r) => r.detail)
      .join("\n");
    raw.close();
    expect(plan).toContain("USING INDEX idx_threads_archived_recency");
    expect(plan).not.toContain("TEMP B-TREE");
  });

  it("uses the sort index for a cursor page too", () => {
    const db = temp.open();
    seed(db, 3);
    const { nextCursor } = db.listThreads({ pageSize: 1, sortKey: "created" });
    const query = buildListQuery({ pageSize: 1, sortKey: "created", cursor: nextCursor });
    if (query === "empty") throw new Error("unexpected empty query");
    const raw = new Database(temp.dbPath(), { readonly: true });
    const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as { detail: string }[])
      .map((r) => r.detail)
      .join("\n");
    raw.close();
    expect(plan).toMatch(/USING INDEX idx_threads_archived_created \(archived=\? AND \(created_at_ms,id\)<\(\?,\?\)\)/);
    expect(plan).not.toContain("TEMP B-TREE");
  });
});

function reencode(cursor: string, edit: (body: Record<string, unknown>) => Record<string, unknown>): string {
  const body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
  return Buffer.from(JSON.stringify(edit(body))).toString("base64url");
}
