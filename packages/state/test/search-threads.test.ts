import { describe, expect, it } from "vitest";
import { ftsQueryOf, InvalidArgumentError, InvalidCursorError, type StateDb } from "../src/index.js";
import { threadRow, useTempDb } from "./helpers/builders.js";

const T0 = 1_700_000_000_000;

function add(db: StateDb, fields: Parameters<typeof threadRow>[0]): string {
  return db.upsertThread(threadRow({ updatedAt: T0 + db.countThreads() * 10_000, ...fields })).threadId;
}

describe("searchThreads", () => {
  const temp = useTempDb();

  it("finds a word in the preview and marks it in the snippet", () => {
    const db = temp.open();
    const id = add(db, { preview: "refactor the rollout reader for speed" });
    add(db, { preview: "unrelated" });
    expect(db.searchThreads({ term: "rollout" }).items.map((h) => [h.row.threadId, h.snippet])).toEqual([
      [id, "refactor the [rollout] reader for speed"],
    ]);
  });

  it("searches title, name and first user message too", () => {
    const db = temp.open();
    const byTitle = add(db, { preview: "a", title: "zebra title" });
    const byName = add(db, { preview: "b", name: "zebra name" });
    const byMessage = add(db, { preview: "c", firstUserMessage: "a zebra message" });
    expect(db.searchThreads({ term: "zebra" }).items.map((h) => h.row.threadId).sort()).toEqual([byTitle, byName, byMessage].sort());
  });

  it("requires every word and matches word prefixes, case-insensitively", () => {
    const db = temp.open();
    const both = add(db, { preview: "Migrate the SQLite index" });
    add(db, { preview: "migrate the logs" });
    expect(db.searchThreads({ term: "migr sqlite" }).items.map((h) => h.row.threadId)).toEqual([both]);
  });

  it("sees a name set later through a patch", () => {
    const db = temp.open();
    const id = add(db, { preview: "x" });
    db.applyMetadataPatch(id, { name: "quarterly report" });
    expect(db.searchThreads({ term: "quarterly" }).items.map((h) => h.row.threadId)).toEqual([id]);
  });

  it("no longer finds text that an update replaced", () => {
    const db = temp.open();
    const id = add(db, { preview: "old words" });
    db.applyMetadataPatch(id, { preview: "new words" });
    expect(db.searchThreads({ term: "old" }).items).toEqual([]);
  });

  it("filters by archive state when asked", () => {
    const db = temp.open();
    const active = add(db, { preview: "shared word" });
    const archived = add(db, { preview: "shared word", archived: true, archivedAt: T0 });
    expect(db.searchThreads({ term: "shared", archived: true }).items.map((h) => h.row.threadId)).toEqual([archived]);
    expect(db.searchThreads({ term: "shared", archived: false }).items.map((h) => h.row.threadId)).toEqual([active]);
    expect(db.searchThreads({ term: "shared" }).items).toHaveLength(2);
  });

  it("pages newest recency first with a cursor", () => {
    const db = temp.open();
    const ids = Array.from({ length: 7 }, () => add(db, { preview: "paged result" }));
    const first = db.searchThreads({ term: "paged", pageSize: 4 });
    const second = db.searchThreads({ term: "paged", pageSize: 4, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((h) => h.row.threadId)).toEqual([...ids].reverse());
    expect(second.nextCursor).toBeUndefined();
  });

  it("rejects a cursor from another search", () => {
    const db = temp.open();
    for (let i = 0; i < 3; i++) add(db, { preview: "alpha beta" });
    const { nextCursor } = db.searchThreads({ term: "alpha", pageSize: 1 });
    expect(() => db.searchThreads({ term: "beta", pageSize: 1, cursor: nextCursor })).toThrow(InvalidCursorError);
  });

  it("rejects an empty term", () => {
    expect(() => temp.open().searchThreads({ term: "   " })).toThrow(new InvalidArgumentError("search params", "term must not be empty"));
  });

  const HOSTILE = [
    '"',
    '"unbalanced',
    "*",
    "NEAR(",
    "NEAR(a b",
    "a OR",
    "OR",
    "-",
    "-word",
    "title:",
    "title:zebra",
    "'; DROP TABLE threads; --",
    "^start",
    "(((",
    "a AND NOT b",
    "{title name}: x",
    "\u0000",
  ];

  for (const term of HOSTILE) {
    it(`treats ${JSON.stringify(term)} as plain text`, () => {
      const db = temp.open();
      add(db, { preview: "plain words only" });
      expect(() => db.searchThreads({ term })).not.toThrow();
      expect(db.countThreads()).toBe(1);
    });
  }

  it("finds text that contains FTS operators literally", () => {
    const db = temp.open();
    const id = add(db, { preview: "use OR and NEAR carefully" });
    expect(db.searchThreads({ term: "OR NEAR" }).items.map((h) => h.row.threadId)).toEqual([id]);
  });

  it("finds a word next to a quote in the term", () => {
    const db = temp.open();
    const id = add(db, { preview: 'he said "hello" twice' });
    expect(db.searchThreads({ term: '"hello' }).items.map((h) => h.row.threadId)).toEqual([id]);
  });
});

describe("ftsQueryOf", () => {
  it("quotes every token, doubles inner quotes, and adds a prefix star", () => {
    expect(ftsQueryOf('say "hi" NEAR(x')).toBe('"say"* """hi"""* "NEAR(x"*');
  });

  it("returns undefined when no token has a letter or digit", () => {
    expect(ftsQueryOf('- * " (')).toBeUndefined();
  });
});
