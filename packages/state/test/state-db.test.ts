import Database from "better-sqlite3";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StateDb, StateDbClosedError, StateDbCorruptError } from "../src/index.js";
import { threadRow, useTempDb } from "./helpers/builders.js";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("StateDb.open", () => {
  const temp = useTempDb();

  it("creates the file 0600 and a missing parent directory 0700", () => {
    const path = join(temp.dir(), "nested", "home", "state.sqlite");
    const db = StateDb.open({ path });
    db.upsertThread(threadRow());
    expect(mode(path)).toBe(0o600);
    expect(mode(join(temp.dir(), "nested", "home"))).toBe(0o700);
    expect(mode(`${path}-wal`)).toBe(0o600);
    db.close();
  });

  it("sets WAL, synchronous=NORMAL, busy_timeout, foreign keys and incremental auto-vacuum", () => {
    expect(temp.open({ busyTimeoutMs: 7000 }).settings()).toEqual({
      journalMode: "wal",
      synchronous: 1,
      busyTimeoutMs: 7000,
      foreignKeys: true,
      autoVacuum: 2,
    });
  });

  it("waits at least 5 s for a busy database by default", () => {
    expect(temp.open().settings().busyTimeoutMs).toBe(5000);
  });

  it("uses a DELETE journal when asked", () => {
    const db = temp.open({ journalMode: "delete" });
    db.upsertThread(threadRow());
    expect(db.settings().journalMode).toBe("delete");
    expect(existsSync(`${temp.dbPath()}-wal`)).toBe(false);
  });

  it("shares one connection between handles of the same file and closes it with the last handle", () => {
    const a = temp.open();
    const b = StateDb.open({ path: join(temp.dir(), ".", "skein_state_1.sqlite") });
    const row = a.upsertThread(threadRow());
    a.close();
    expect(b.getThread(row.threadId)?.threadId).toBe(row.threadId);
    expect(b.migrationReport).toEqual(a.migrationReport);
    b.close();
    // Closing the last handle checkpoints and removes the WAL: the connection really closed.
    expect(existsSync(`${temp.dbPath()}-wal`)).toBe(false);
  });

  it("opens a current database while another connection holds the write lock", () => {
    temp.open().close();
    const other = new Database(temp.dbPath());
    other.exec("BEGIN IMMEDIATE");
    try {
      const db = StateDb.open({ path: temp.dbPath(), busyTimeoutMs: 50 });
      expect(db.migrationReport.applied).toEqual([]);
      db.close();
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  it("makes close idempotent and rejects calls on a closed handle", () => {
    const db = temp.open();
    db.close();
    db.close();
    expect(db.closed).toBe(true);
    expect(() => db.countThreads()).toThrow(new StateDbClosedError(db.path));
  });

  it("opens a private in-memory database for :memory:", () => {
    const a = StateDb.open({ path: ":memory:" });
    const b = StateDb.open({ path: ":memory:" });
    a.upsertThread(threadRow());
    expect([a.countThreads(), b.countThreads()]).toEqual([1, 0]);
    a.close();
    b.close();
  });

  it("rejects a file that is not a database with StateDbCorruptError", () => {
    writeFileSync(temp.dbPath(), "this is not a database, just some text that is long enough".repeat(100));
    expect(() => StateDb.open({ path: temp.dbPath() })).toThrow(StateDbCorruptError);
  });
});

/** Writes a real DB with rows, closes it (checkpointing the WAL), and returns its path. */
function populatedDb(path: string, rows = 200): void {
  const db = StateDb.open({ path });
  db.upsertMany(Array.from({ length: rows }, (_, i) => threadRow({ preview: `thread number ${i} `.repeat(20) })));
  db.close();
}

function overwrite(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, "r+");
  writeSync(fd, bytes, 0, bytes.length, offset);
  closeSync(fd);
}

describe("StateDb.openOrRecover", () => {
  const temp = useTempDb();
  const NOW = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

  it("opens a healthy database without recovering", () => {
    populatedDb(temp.dbPath());
    const { db, recovered } = StateDb.openOrRecover({ path: temp.dbPath() });
    expect(recovered).toBeUndefined();
    expect(db.countThreads()).toBe(200);
    db.close();
  });

  it("moves a file with an overwritten header aside and returns a working empty database", () => {
    const path = temp.dbPath();
    populatedDb(path);
    const original = readFileSync(path);
    overwrite(path, 0, Buffer.from("garbage garbage!"));
    const { db, recovered } = StateDb.openOrRecover({ path, now: () => NOW });
    expect(recovered?.movedTo).toBe(`${path}.corrupt-20250102-030405678Z`);
    expect(recovered?.reason).toContain("SQLITE_NOTADB");
    expect(readFileSync(recovered!.movedTo).subarray(16).equals(original.subarray(16))).toBe(true);
    expect(db.countThreads()).toBe(0);
    db.upsertThread(threadRow());
    expect(db.countThreads()).toBe(1);
    db.close();
  });

  it("leaves a clean-close marker that matches the file as it was closed", () => {
    const path = temp.dbPath();
    const db = StateDb.open({ path });
    db.upsertThread(threadRow());
    db.close();
    const st = statSync(path, { bigint: true });
    expect(readFileSync(`${path}-clean`, "utf8")).toBe(`${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`);
  });

  it("still finds damage after a clean close when the mtime was put back (the ctime moved)", () => {
    const path = temp.dbPath();
    const db = StateDb.open({ path });
    for (let i = 0; i < 200; i++) db.upsertThread(threadRow());
    db.close();
    const before = statSync(path);
    const pageSize = new Database(path).pragma("page_size", { simple: true }) as number;
    for (let page = 1; page < before.size / pageSize; page++) overwrite(path, page * pageSize + 8, Buffer.alloc(64, 0xa5));
    utimesSync(path, before.atime, before.mtime);
    const { db: reopened, recovered } = StateDb.openOrRecover({ path, now: () => NOW });
    expect(recovered?.reason).toMatch(/^(quick_check|SQLITE_CORRUPT)/);
    reopened.close();
  });

  it("moves a file with damaged b-tree pages aside", () => {
    const path = temp.dbPath();
    populatedDb(path);
    const pageSize = new Database(path).pragma("page_size", { simple: true }) as number;
    const pages = statSync(path).size / pageSize;
    // Scribble over the middle of every page after the first: the threads b-tree is in there.
    for (let page = 1; page < pages; page++) overwrite(path, page * pageSize + 8, Buffer.alloc(64, 0xa5));
    const { db, recovered } = StateDb.openOrRecover({ path, now: () => NOW });
    expect(recovered).toBeDefined();
    expect(existsSync(recovered!.movedTo)).toBe(true);
    expect(db.countThreads()).toBe(0);
    db.close();
  });

  it("rebuilds a damaged full-text index in place instead of moving the database aside", () => {
    const path = temp.dbPath();
    const db = StateDb.open({ path });
    const row = threadRow({ preview: "rebuild the search index" });
    db.upsertThread(row);
    db.close();
    // Damage only the FTS5 blobs (SQLite refuses such writes unless the schema is writable).
    const raw = new Database(path);
    raw.unsafeMode(true);
    raw.pragma("writable_schema=ON");
    raw.exec("UPDATE threads_fts_data SET block = x'0000ff' WHERE id > 10");
    expect(raw.pragma("quick_check", { simple: true })).toMatch(/^fts5: corruption found/);
    raw.close();

    const { db: reopened, recovered } = StateDb.openOrRecover({ path, now: () => NOW });
    expect(recovered).toBeUndefined();
    expect(readdirSync(temp.dir()).filter((f) => f.includes(".corrupt-"))).toEqual([]);
    expect(reopened.getThread(row.threadId)?.preview).toBe("rebuild the search index");
    expect(reopened.searchThreads({ term: "search index" }).items.map((h) => h.row.threadId)).toEqual([row.threadId]);
    reopened.close();
  });

  it("rebuilds a damaged message index (thread_messages_fts) in place too", () => {
    const path = temp.dbPath();
    const db = StateDb.open({ path });
    const row = threadRow({ preview: "first words" });
    db.writeIndexBatch({
      rows: [row],
      files: [],
      messages: [{ threadId: row.threadId, mode: "replace", messages: [{ position: 1, role: "assistant", text: "the eviction policy of the cache" }], rolloutPath: row.rolloutPath, byteOffset: 100, itemCount: 2 }],
    });
    db.close();
    const raw = new Database(path);
    raw.unsafeMode(true);
    raw.pragma("writable_schema=ON");
    raw.exec("UPDATE thread_messages_fts_data SET block = x'0000ff' WHERE id > 10");
    expect(raw.pragma("quick_check", { simple: true })).toMatch(/fts5: corruption/);
    raw.close();

    const { db: reopened, recovered } = StateDb.openOrRecover({ path, now: () => NOW });
    expect(recovered).toBeUndefined();
    expect(readdirSync(temp.dir()).filter((f) => f.includes(".corrupt-"))).toEqual([]);
    expect(reopened.searchMessages({ query: "eviction" }).items.map((h) => h.row.threadId)).toEqual([row.threadId]);
    reopened.close();
  });

  it("never overwrites an earlier corrupt copy", () => {
    const path = temp.dbPath();
    for (let i = 0; i < 2; i++) {
      writeFileSync(path, "not a database at all ".repeat(100));
      StateDb.openOrRecover({ path, now: () => NOW }).db.close();
    }
    const moved = readdirSync(temp.dir()).filter((f) => f.includes(".corrupt-")).sort();
    expect(moved).toEqual(["skein_state_1.sqlite.corrupt-20250102-030405678Z", "skein_state_1.sqlite.corrupt-20250102-030405678Z-1"]);
  });

  it("does not move a healthy database that only fails for another reason", () => {
    mkdirSync(temp.dir(), { recursive: true });
    populatedDb(temp.dbPath(), 1);
    expect(() =>
      StateDb.openOrRecover({ path: temp.dbPath(), migrations: [{ version: 1, name: "0001_x", sql: "", checksum: "other" }] }),
    ).toThrow("migration 0001_x changed after it was applied");
    expect(readdirSync(temp.dir()).filter((f) => f.includes(".corrupt-"))).toEqual([]);
  });
});
