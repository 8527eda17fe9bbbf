import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, type StateDb } from "../../src/index.js";
import { threadRow, useTempDb } from "../helpers/builders.js";

// StateDb.writeIndexBatch (src/internal/index-batch.ts): the backfill's batch write, which
// suspends the FTS triggers inside its own transaction and maintains the FTS rows itself.

const file = (path: string, threadId?: string) => ({ path, ...(threadId ? { threadId } : {}), size: 10, mtimeMs: 5, byteOffset: 10, status: "indexed" as const });

describe("StateDb.writeIndexBatch", () => {
  const temp = useTempDb();
  const raw = () => {
    const db = new Database(temp.dbPath());
    return {
      triggers: () => db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all(),
      ftsIntegrity: () => db.prepare("INSERT INTO threads_fts (threads_fts, rank) VALUES ('integrity-check', 1)").run(),
      exec: (sql: string) => db.exec(sql),
      close: () => db.close(),
    };
  };
  const hits = (db: StateDb, term: string) => db.searchThreads({ term, pageSize: 50 }).items.map((h) => h.row.threadId).sort();

  it("writes rows and file records that read back as upsertMany's would", () => {
    const db = temp.open({ now: () => 9 });
    const rows = [threadRow({ preview: "alpha", updatedAt: 1_000_000 }), threadRow({ preview: "beta", name: "named", updatedAt: 2_000_000 })];
    db.writeIndexBatch({ rows, files: rows.map((r) => file(r.rolloutPath, r.threadId)) });
    for (const row of rows) expect(db.getThread(row.threadId)).toMatchObject({ ...row, recencyAt: row.updatedAt, indexedAtMs: 9 });
    expect(db.listIndexedFiles()).toHaveLength(2);
  });

  it("keeps the full-text index exactly in step: inserts, changed texts, unchanged texts", () => {
    const db = temp.open();
    const a = threadRow({ preview: "apple pie", title: "apple pie" });
    const b = threadRow({ preview: "banana split" });
    db.writeIndexBatch({ rows: [a, b], files: [] });
    db.writeIndexBatch({ rows: [{ ...a, preview: "cherry tart", title: "cherry tart" }, b], files: [] });
    expect(hits(db, "apple")).toEqual([]);
    expect(hits(db, "cherry")).toEqual([a.threadId]);
    expect(hits(db, "banana")).toEqual([b.threadId]);
    const check = raw();
    try {
      expect(() => check.ftsIntegrity()).not.toThrow();
    } finally {
      check.close();
    }
  });

  it("indexes the name and preview the upsert keeps when a row gives none", () => {
    const db = temp.open();
    const a = threadRow({ preview: "kept words" });
    db.writeIndexBatch({ rows: [a], files: [] });
    db.applyMetadataPatch(a.threadId, { name: "zebra" });
    db.writeIndexBatch({ rows: [{ ...a, preview: "", title: "fresh title" }], files: [] });
    expect([hits(db, "zebra"), hits(db, "kept"), hits(db, "fresh")]).toEqual([[a.threadId], [a.threadId], [a.threadId]]);
    const check = raw();
    try {
      expect(() => check.ftsIntegrity()).not.toThrow();
    } finally {
      check.close();
    }
  });

  it("leaves the FTS triggers exactly as they were, so every other writer still maintains the index", () => {
    const db = temp.open();
    const check = raw();
    try {
      const before = check.triggers();
      db.writeIndexBatch({ rows: [threadRow({ preview: "one" })], files: [] });
      expect(check.triggers()).toEqual(before);
      const c = threadRow({ preview: "plain upsert" });
      db.upsertThread(c);
      db.applyMetadataPatch(c.threadId, { name: "renamed later" });
      expect(hits(db, "renamed")).toEqual([c.threadId]);
      expect(() => check.ftsIntegrity()).not.toThrow();
    } finally {
      check.close();
    }
  });

  it("writes through the triggers when they are not the known ones (a newer schema)", () => {
    const db = temp.open();
    const check = raw();
    try {
      check.exec("CREATE TABLE audit (id TEXT); CREATE TRIGGER zz_audit AFTER INSERT ON threads BEGIN INSERT INTO audit VALUES (new.id); END;");
      const row = threadRow({ preview: "audited" });
      db.writeIndexBatch({ rows: [row], files: [] });
      expect(hits(db, "audited")).toEqual([row.threadId]);
      expect(check.triggers().map((t) => (t as { name: string }).name)).toContain("zz_audit");
      expect(() => check.ftsIntegrity()).not.toThrow();
    } finally {
      check.close();
    }
  });

  it("rejects an invalid row and writes nothing of the batch", () => {
    const db = temp.open();
    const good = threadRow();
    expect(() => db.writeIndexBatch({ rows: [good, { ...threadRow(), createdAt: -1 }], files: [file("/s/a.jsonl")] })).toThrow(InvalidArgumentError);
    expect(db.getThread(good.threadId)).toBeUndefined();
    expect(db.listIndexedFiles()).toEqual([]);
  });
});

describe("StateDb.listIndexedFilesIn", () => {
  const temp = useTempDb();

  it("lists only the files directly inside the folder", () => {
    const db = temp.open();
    db.recordIndexedFiles(["/h/s/01/a.jsonl", "/h/s/01/b.jsonl", "/h/s/01/deeper/c.jsonl", "/h/s/010/d.jsonl", "/h/s/02/e.jsonl"].map((p) => file(p)));
    expect(db.listIndexedFilesIn("/h/s/01").map((f) => f.path)).toEqual(["/h/s/01/a.jsonl", "/h/s/01/b.jsonl"]);
  });
});

describe("StateDb meta ranges", () => {
  const temp = useTempDb();

  it("sets several values at once and reads them back by prefix", () => {
    const db = temp.open();
    db.setMetaMany([["dir:a", "1"], ["dir:b", "2"], ["dis", "x"], ["other", "y"]]);
    expect(db.listMeta("dir:")).toEqual(new Map([["dir:a", "1"], ["dir:b", "2"]]));
  });
});
