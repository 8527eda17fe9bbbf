import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { withNativeBinding } from "@skein/state";
import { checkThreadsShape, type ThreadsShape } from "./threads-shape.js";

// How Skein opens Codex's state database: briefly, only to run one short transaction, never kept
// open. Design notes: docs/codex-home-sync.md.

/** Codex 0.169's thread catalogue, in the home. The suffix is Codex's file-format generation. */
export const CODEX_STATE_DB_FILE = "state_5.sqlite";

/** How long a write waits for Codex's own transactions (Codex waits 5 s too). */
export const CODEX_BUSY_TIMEOUT_MS = 5000;

/** Path of Codex's state database in a home. */
export function codexStateDbPath(home: string): string {
  return join(home, CODEX_STATE_DB_FILE);
}

/** True when the home has Codex's state database (a home Codex 0.169 has used). */
export function hasCodexStateDb(home: string): boolean {
  return existsSync(codexStateDbPath(home));
}

/** Options shared by every function that opens Codex's database. */
export interface CodexDbOptions {
  /** Busy timeout in ms. Default {@link CODEX_BUSY_TIMEOUT_MS}. */
  busyTimeoutMs?: number;
  /**
   * Called inside the write transaction, after the changes and before the commit. For tests
   * that kill the process in the middle of an update (the transaction must roll back whole).
   */
  insideTransaction?: () => void;
}

/** An open connection to Codex's database together with the shape of its `threads` table. */
export interface CodexDbSession {
  readonly db: Database.Database;
  readonly shape: ThreadsShape;
}

/**
 * Opens Codex's database, runs `fn`, and closes it again, whatever happens. The file must
 * exist (Skein never creates Codex's database). The journal mode Codex chose (WAL) is kept.
 */
export function withCodexDb<T>(home: string, options: CodexDbOptions, fn: (session: CodexDbSession) => T): T {
  const db = new Database(codexStateDbPath(home), withNativeBinding({ fileMustExist: true }));
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? CODEX_BUSY_TIMEOUT_MS))}`);
    // Codex (sqlx) runs with foreign keys on: deleting a row cascades to its dependants the same way.
    db.pragma("foreign_keys = ON");
    return fn({ db, shape: checkThreadsShape(db) });
  } finally {
    db.close();
  }
}

/**
 * Runs `fn` in one `BEGIN IMMEDIATE` transaction (the write lock is taken up front, so a busy
 * database waits at the start instead of failing half-way) and commits it. A throw, or the
 * process dying before the commit, rolls everything back.
 */
export function inWriteTransaction<T>(db: Database.Database, options: CodexDbOptions, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    options.insideTransaction?.();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** Names of the tables of a database (to touch a dependent table only where it exists). */
export function tableColumns(db: Database.Database, table: string): Set<string> {
  const rows = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
  return new Set(rows.map((r) => r.name));
}
