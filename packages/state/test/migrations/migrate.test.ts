import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  loadMigrations,
  migrate,
  MigrationChecksumError,
  MigrationFailedError,
  MigrationOrderError,
  MIGRATIONS_TABLE,
  type Migration,
  type MigrationReport,
} from "../../src/index.js";
import { ensureBuilt, fixtureScript } from "../helpers/built-package.js";
import { threadRow, useTempDb } from "../helpers/builders.js";

const TODAY = loadMigrations();

function migration(version: number, slug: string, sql: string): Migration {
  const name = `${String(version).padStart(4, "0")}_${slug}`;
  return { version, name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
}

/** Two migrations a newer Skein might ship: a column with a default, and a new table. */
const FUTURE = [
  migration(TODAY.length + 1, "threads_pinned", "ALTER TABLE threads ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;"),
  migration(TODAY.length + 2, "thread_labels", "CREATE TABLE thread_labels (thread_id TEXT NOT NULL, label TEXT NOT NULL);"),
];

const appliedRows = (db: Database.Database) =>
  db.prepare(`SELECT version, name FROM ${MIGRATIONS_TABLE} ORDER BY version`).all() as { version: number; name: string }[];

describe("migrate", () => {
  const temp = useTempDb();

  it("applies every migration once and records name and checksum", () => {
    const db = new Database(temp.dbPath());
    expect(migrate(db, TODAY, () => 42)).toEqual({ applied: TODAY.map((m) => m.version), ignored: [] });
    const rows = db.prepare(`SELECT * FROM ${MIGRATIONS_TABLE} ORDER BY version`).all();
    expect(rows).toEqual(TODAY.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum, applied_at_ms: 42 })));
    db.close();
  });

  it("is a no-op on a database that is already current", () => {
    const db = new Database(temp.dbPath());
    migrate(db, TODAY);
    expect(migrate(db, TODAY)).toEqual({ applied: [], ignored: [] });
    db.close();
  });

  it("opens a database migrated by a newer Skein, reports its versions as ignored, and reads and writes rows", () => {
    const newer = temp.open({ migrations: [...TODAY, ...FUTURE] });
    const before = newer.upsertThread(threadRow({ preview: "written by the newer build" }));
    newer.close();

    const older = temp.open({ migrations: TODAY });
    expect(older.migrationReport).toEqual({ applied: [], ignored: FUTURE.map((m) => m.version) });
    expect(older.getThread(before.threadId)?.preview).toBe("written by the newer build");
    const added = older.upsertThread(threadRow({ preview: "written by the older build" }));
    expect(older.listThreads({}).items.map((r) => r.threadId).sort()).toEqual([before.threadId, added.threadId].sort());
    expect(older.searchThreads({ term: "older" }).items.map((h) => h.row.threadId)).toEqual([added.threadId]);
    older.close();

    // The newer build's column got its default for the row the older build inserted.
    const raw = new Database(temp.dbPath());
    expect(raw.prepare("SELECT pinned FROM threads WHERE id = ?").get(added.threadId)).toEqual({ pinned: 0 });
    raw.close();
  });

  it("rejects a known applied migration whose bytes changed, naming it", () => {
    const db = new Database(temp.dbPath());
    migrate(db, TODAY);
    const edited = TODAY.map((m) => (m.version === 3 ? migration(3, "indexing", `${m.sql}\n-- edited`) : m));
    expect(() => migrate(db, edited)).toThrow(
      new MigrationChecksumError("0003_indexing", TODAY[2]!.checksum, edited[2]!.checksum),
    );
    expect(() => migrate(db, edited)).toThrow("migration 0003_indexing changed after it was applied");
    db.close();
  });

  it("rejects a pending migration that sorts below an applied one", () => {
    const db = new Database(temp.dbPath());
    migrate(db, TODAY.slice(0, 2));
    db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} VALUES (4, '0004_other_branch', 'x', 0)`).run();
    expect(() => migrate(db, TODAY)).toThrow(
      new MigrationOrderError("0003_indexing is pending but version 4 is already applied"),
    );
    db.close();
  });

  it("rejects a hand-built list with a gap before touching the database", () => {
    const db = new Database(temp.dbPath());
    expect(() => migrate(db, [TODAY[0]!, TODAY[2]!])).toThrow(MigrationOrderError);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'threads'").get()).toBeUndefined();
    db.close();
  });

  it("rolls a failed migration back completely", () => {
    const db = new Database(temp.dbPath());
    const broken = migration(TODAY.length + 1, "broken", "CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;");
    migrate(db, TODAY);
    expect(() => migrate(db, [...TODAY, broken])).toThrow(new MigrationFailedError(broken.name));
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    expect(appliedRows(db).map((r) => r.version)).toEqual(TODAY.map((m) => m.version));
    db.close();
  });

  describe("with two processes starting at once", () => {
    beforeAll(() => ensureBuilt(), 120_000);

    interface ChildRun {
      report: MigrationReport;
      began: number;
      ended: number;
    }

    /** Two children, released together once both are loaded; resolves with both outcomes. */
    async function raceOnce(path: string): Promise<[ChildRun, ChildRun]> {
      const children = [0, 1].map(() => {
        const child = spawn(process.execPath, [fixtureScript("open-state-db.mjs"), path], { stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        let err = "";
        const ready = new Promise<void>((resolve) => {
          child.stdout.on("data", (d: Buffer) => {
            out += d.toString();
            if (out.startsWith("ready\n")) resolve();
          });
        });
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        const done = new Promise<ChildRun>((resolve, reject) =>
          child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.slice("ready\n".length)) as ChildRun) : reject(new Error(err)))),
        );
        return { child, ready, done };
      });
      await Promise.all(children.map((c) => c.ready));
      const startAt = Date.now() + 50;
      for (const c of children) c.child.stdin.end(`${startAt}\n`);
      return (await Promise.all(children.map((c) => c.done))) as [ChildRun, ChildRun];
    }

    it("both succeed and each migration is recorded once, when their opens really overlap", async () => {
      // A start barrier can stop racing under load (one child opens after the other finished):
      // each attempt must be correct, and at least one of up to five must have overlapped.
      let raced = false;
      for (let attempt = 0; attempt < 5 && !raced; attempt++) {
        const path = join(dirname(temp.dbPath()), `race-${attempt}.sqlite`); // a new database each attempt
        const [a, b] = await raceOnce(path);
        raced = a.began < b.ended && b.began < a.ended;
        const all = [...a.report.applied, ...b.report.applied].sort((x, y) => x - y);
        expect(all).toEqual(TODAY.map((m) => m.version));
        const db = new Database(path);
        expect(appliedRows(db)).toEqual(TODAY.map((m) => ({ version: m.version, name: m.name })));
        db.close();
      }
      expect(raced).toBe(true);
    });
  });
});
