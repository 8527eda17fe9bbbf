import { markSnippet, newThreadId } from "@skein/protocol";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, InvalidCursorError, type MessageInput, type StateDb, type ThreadRowInput } from "../src/index.js";
import { threadRow, useTempDb } from "./helpers/builders.js";

const T0 = 1_700_000_000_000;

/** A thread row plus its messages (role user unless said), in one index batch. */
function seed(db: StateDb, texts: Array<string | Partial<MessageInput>>, row: Partial<ThreadRowInput> = {}): string {
  const r = threadRow({ updatedAt: T0 + db.countThreads() * 10_000, ...row });
  const messages = texts.map((t, i) => (typeof t === "string" ? { position: i + 1, role: "user" as const, text: t } : { position: i + 1, role: "user" as const, text: "", ...t }));
  db.writeIndexBatch({
    rows: [r],
    files: [],
    messages: [{ threadId: r.threadId, mode: "replace", messages, rolloutPath: r.rolloutPath, byteOffset: 100, itemCount: texts.length + 1 }],
  });
  return r.threadId;
}

const ids = (db: StateDb, query: string, extra: Record<string, unknown> = {}) =>
  db.searchMessages({ query, ...extra }).items.map((h) => h.row.threadId);

describe("searchMessages", () => {
  const temp = useTempDb();

  it("finds a word in any message of the thread, not only the first, with the hit's place and a marked snippet", () => {
    const db = temp.open();
    const id = seed(db, ["hello", { role: "assistant", text: "We should revisit the eviction policy of the cache.", turnId: "t1", atMs: T0 + 5, position: 7 }]);
    seed(db, ["nothing relevant here"]);
    const page = db.searchMessages({ query: "eviction" });
    expect(page.items.map((h) => h.row.threadId)).toEqual([id]);
    const [hit] = page.items[0]!.hits;
    expect(hit).toMatchObject({ role: "assistant", position: 7, turnId: "t1", atMs: T0 + 5 });
    expect(markSnippet(hit!.snippet)).toBe("We should revisit the [eviction] policy of the cache.");
  });

  it("ANDs words within one message, folds case and diacritics, and matches plain words as prefixes", () => {
    const db = temp.open();
    const both = seed(db, ["Éviction POLICY for the café"]);
    const split = seed(db, ["evictions", "policy"]); // the words in two different messages
    expect(ids(db, "policy eviction")).toEqual([both]);
    expect(ids(db, "CAFE")).toEqual([both]);
    expect(ids(db, "evict").sort()).toEqual([both, split].sort());
    expect(ids(db, "evict*").sort()).toEqual([both, split].sort());
    expect(ids(db, '"eviction"')).toEqual([both]);
    expect(ids(db, "viction")).toEqual([]);
  });

  it("matches quoted phrases in order and short words whole", () => {
    const db = temp.open();
    const phrase = seed(db, ["the eviction policy is LRU", "db migration"]);
    const reversed = seed(db, ["the policy of eviction", "dbx"]);
    expect(ids(db, '"eviction policy"')).toEqual([phrase]);
    expect(ids(db, "db")).toEqual([phrase]);
    expect(ids(db, "db*").sort()).toEqual([phrase, reversed].sort());
  });

  it("ranks threads by their best hit (bm25) and lists several hits per thread, best first", () => {
    const db = temp.open();
    const weak = seed(db, [`a long message that mentions rollback once among ${"many other words ".repeat(30)}`]);
    const strong = seed(db, ["rollback rollback", "then a rollback plan with more words around it", "unrelated"]);
    const page = db.searchMessages({ query: "rollback" });
    expect(page.items.map((h) => h.row.threadId)).toEqual([strong, weak]);
    const hits = page.items[0]!.hits;
    expect(hits.map((h) => h.position)).toEqual([1, 2]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(page.items[0]!.score).toBeGreaterThan(page.items[1]!.score);
  });

  it("sorts by last update on request and pages through every thread once in either order", () => {
    const db = temp.open();
    const all = [0, 1, 2, 3, 4].map((i) => seed(db, [`needle ${"x ".repeat(i * 5)}`]));
    expect(ids(db, "needle", { sort: "updated" })).toEqual([...all].reverse());
    for (const sort of ["relevance", "updated"] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = db.searchMessages({ query: "needle", sort, pageSize: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((h) => h.row.threadId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual([...all].sort());
    }
    const { nextCursor } = db.searchMessages({ query: "needle", pageSize: 1 });
    expect(() => db.searchMessages({ query: "other", pageSize: 1, cursor: nextCursor! })).toThrow(InvalidCursorError);
  });

  it("matches the thread's name and shows it as the first hit", () => {
    const db = temp.open();
    const id = seed(db, ["unrelated words"], { name: "Quarterly report" });
    const [item] = db.searchMessages({ query: "quarterly" }).items;
    expect(item?.row.threadId).toBe(id);
    expect(item?.hits.map((h) => [h.role, markSnippet(h.snippet)])).toEqual([["name", "[Quarterly] report"]]);
  });

  it("searches tool calls and outputs only when asked", () => {
    const db = temp.open();
    const id = seed(db, ["run it", { role: "tool", text: "exec_command pnpm vitest --filter kaleidoscope" }]);
    expect(ids(db, "kaleidoscope")).toEqual([]);
    expect(ids(db, "kaleidoscope", { includeTools: true })).toEqual([id]);
  });

  it("searches the active collection by default, the archived one on request, with list filters", () => {
    const db = temp.open();
    const active = seed(db, ["needle"], { cwd: "/a", source: "cli", modelProvider: "openai" });
    const archived = seed(db, ["needle"], { archived: true, archivedAt: T0, cwd: "/b", source: "exec", modelProvider: "mock" });
    expect(ids(db, "needle")).toEqual([active]);
    expect(ids(db, "needle", { archived: true })).toEqual([archived]);
    expect(ids(db, "needle", { cwdFilters: ["/b"] })).toEqual([]);
    expect(ids(db, "needle", { cwdFilters: ["/a"], sources: ["cli"], modelProviders: ["openai"] })).toEqual([active]);
    expect(ids(db, "needle", { sources: ["exec"] })).toEqual([]);
    expect(ids(db, "needle", { cwdFilters: [] })).toEqual([]);
  });

  it("treats hostile input as text: FTS syntax, quotes, SQL, 10,000 characters", () => {
    const db = temp.open();
    const literal = seed(db, ['grep for 100%_done OR "quoted" NEAR(a b) col:val -x ^y']);
    seed(db, ["an ordinary thread about done things"]);
    const cases: Array<[string, string[]]> = [
      ["100%_done", [literal]],
      ['OR "quoted"', [literal]],
      ["NEAR(a b)", [literal]],
      ["col:val", [literal]],
      ["-x ^y", [literal]],
      ["'; DROP TABLE threads; --", []],
      ['"unbalanced', []],
      ["%", []],
      ["*", []],
      ['"', []],
      ["a".repeat(10_000), []],
      ['"*(:^-'.repeat(1700), []],
    ];
    for (const [query, expected] of cases) expect({ query, ids: ids(db, query) }).toEqual({ query, ids: expected });
    expect(ids(db, `done ${"(x) ".repeat(2500)}`.slice(0, 10_000))).toEqual([literal]);
    expect(() => db.searchMessages({ query: Array.from({ length: 300 }, (_, i) => `w${i}`).join(" ") })).toThrow(InvalidArgumentError);
    expect(db.countThreads()).toBe(2);
  });

  it("appends continue the thread's rows; replace starts again; deleting the thread removes them", () => {
    const db = temp.open();
    const id = seed(db, ["first words"]);
    const path = db.getThread(id)!.rolloutPath;
    db.writeThreadMessages([{ threadId: id, mode: "append", messages: [{ position: 9, role: "assistant", text: "appended zebra" }], rolloutPath: path, byteOffset: 200, itemCount: 10, turnId: "t2" }]);
    expect(ids(db, "zebra")).toEqual([id]);
    expect(ids(db, "first")).toEqual([id]);
    expect(db.getMessageState(id)).toEqual({ threadId: id, rolloutPath: path, byteOffset: 200, itemCount: 10, messageCount: 2, turnId: "t2" });
    db.writeThreadMessages([{ threadId: id, mode: "replace", messages: [{ position: 1, role: "user", text: "only this" }], rolloutPath: path, byteOffset: 50, itemCount: 2 }]);
    expect(ids(db, "zebra")).toEqual([]);
    expect(ids(db, "only")).toEqual([id]);
    db.deleteThread(id);
    expect(ids(db, "only")).toEqual([]);
    expect(db.getMessageState(id)).toBeUndefined();
    expect(db.writeThreadMessages([{ threadId: newThreadId(), mode: "replace", messages: [], rolloutPath: path, byteOffset: 0, itemCount: 0 }])).toBe(0);
  });

  it("ignores rows a build without this table left behind when the thread's seq is reused", () => {
    const db = temp.open();
    const gone = seed(db, ["orphan words"]);
    // An older build deletes the row only (its statement, through a connection of its own).
    const older = new Database(temp.dbPath());
    older.prepare("DELETE FROM threads WHERE id = ?").run(gone);
    older.close();
    db.upsertThread(threadRow({ preview: "orphan in the preview" })); // same seq, no messages yet
    expect(ids(db, "words")).toEqual([]);
    expect(ids(db, "orphan")).toEqual([]);
    const id = seed(db, ["fresh words"]);
    expect(ids(db, "words")).toEqual([id]);
  });

  it("pages in relevance order exactly when the best scores are tied or filtered out (docs/search.md, query cost)", () => {
    const db = temp.open();
    // 30 equal scores: every page boundary falls inside a tie, ordered by id.
    const tied = Array.from({ length: 30 }, () => seed(db, ["gravel road"]));
    // Stronger hits that the filter removes, then weaker ones with distinct scores.
    for (let i = 0; i < 40; i++) seed(db, ["gravel"], { archived: true, archivedAt: T0 });
    const weaker = Array.from({ length: 12 }, (_, i) => seed(db, [`gravel ${"stone ".repeat(i + 3)}`]));
    const pages = (pageSize: number, archived = false) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = db.searchMessages({ query: "gravel", pageSize, archived, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((h) => h.row.threadId));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    const expected = [...[...tied].sort().reverse(), ...weaker];
    for (const size of [1, 2, 5, 50]) expect(pages(size)).toEqual(expected);
    expect(pages(3, true)).toHaveLength(40);
  });

  it("finds a legacy fork's inherited messages once, in the parent, whichever is indexed first", () => {
    for (const parentFirst of [true, false]) {
      const db = temp.open();
      const parentId = newThreadId();
      const forkId = newThreadId();
      const seedParent = () => seed(db, ["inherited question", { role: "assistant", text: "inherited answer" }], { threadId: parentId });
      const seedFork = () =>
        seed(db, ["inherited question", { role: "assistant", text: "inherited answer" }, "own followup question"], { threadId: forkId, forkedFromId: parentId });
      if (parentFirst) {
        seedParent();
        seedFork();
      } else {
        seedFork();
        seedParent();
      }
      db.resolveInheritedMessages();
      expect(ids(db, "inherited")).toEqual([parentId]);
      expect(ids(db, "followup")).toEqual([forkId]);
      expect(ids(db, "question").sort()).toEqual([parentId, forkId].sort());
      for (const id of [parentId, forkId]) db.deleteThread(id);
    }
  });
});

describe("migration 0005_thread_messages", () => {
  const temp = useTempDb();

  it("only adds: a build that knows migrations 1-4 opens the file, lists and writes threads", async () => {
    const { loadMigrations } = await import("../src/index.js");
    const db = temp.open();
    const id = seed(db, ["kept words"]);
    db.close();
    const older = temp.open({ migrations: loadMigrations().filter((m) => m.version <= 4) });
    expect(older.migrationReport.ignored).toEqual(loadMigrations().filter((m) => m.version > 4).map((m) => m.version));
    expect(older.getThread(id)?.threadId).toBe(id);
    older.upsertThread(threadRow({ preview: "written by the older build" }));
    older.close();
    expect(ids(temp.open(), "kept")).toEqual([id]);
  });
});
