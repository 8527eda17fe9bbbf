import { existsSync, renameSync } from "node:fs";
import { resolve } from "node:path";
import { StateDbCorruptError } from "../errors.js";
import type { Connection } from "./connection.js";
import { unchangedSinceCleanClose } from "./clean-close.js";
import { isCorruptionError } from "./corruption.js";
import { acquireConnection, describe, releaseConnection, type ConnectionOptions } from "./open-connection.js";

/** A database file that was unusable and was moved aside. */
export interface RecoveredDb {
  /** Where the old main file now is (`<name>.corrupt-<timestamp>`); `-wal`/`-shm` keep their suffix. */
  movedTo: string;
  /** Why it was moved: the SQLite error or the failed integrity check. */
  reason: string;
}

/**
 * Opens the database, verifying it with `PRAGMA quick_check` (skipped when the file is exactly
 * as a clean close left it, see clean-close.ts); an unusable file is moved aside
 * (never deleted) and a fresh one opened. A file that is already open elsewhere in this
 * process is never moved: that throws StateDbCorruptError instead.
 */
export function recoverAndOpen(
  options: ConnectionOptions,
  now: () => number,
): { conn: Connection; recovered?: RecoveredDb } {
  let reason: string;
  let path = options.path;
  try {
    // Decided before opening: opening creates an empty `-wal`, and must not count as a change.
    const unchanged = options.path !== ":memory:" && unchangedSinceCleanClose(resolve(options.path));
    const conn = acquireConnection(options, now);
    path = conn.path;
    const problem = unchanged && conn.path === resolve(options.path) ? undefined : quickCheck(conn);
    if (problem === undefined) return { conn };
    if (conn.refs > 1) {
      releaseConnection(conn);
      throw new StateDbCorruptError(conn.path, `${problem} (open elsewhere in this process; not moved)`);
    }
    releaseConnection(conn);
    reason = `quick_check: ${problem}`;
  } catch (error) {
    if (!isCorruptionError(error) || options.path === ":memory:") throw error;
    if (error instanceof StateDbCorruptError && error.reason.includes("not moved")) throw error;
    path = error instanceof StateDbCorruptError ? error.path : path;
    reason = error instanceof StateDbCorruptError ? error.reason : describe(error);
  }
  const movedTo = moveAside(path, now());
  return { conn: acquireConnection(options, now), recovered: { movedTo, reason } };
}

function quickCheck(conn: Connection): string | undefined {
  const problem = runQuickCheck(conn);
  if (problem === undefined || !problem.split("; ").every((m) => /fts5/i.test(m))) return problem;
  // Only a full-text index is damaged (seen on long-lived connections under concurrent
  // writers, and on real damage to its blobs). Each is derived from rows (`threads_fts` from
  // `threads`, `thread_messages_fts` from `thread_messages`, migration 0005): rebuild them in
  // place instead of moving a database whose rows are fine aside.
  try {
    for (const table of ftsTables(conn)) conn.db.exec(`INSERT INTO ${table}(${table}) VALUES('rebuild')`);
  } catch (error) {
    if (isCorruptionError(error)) return `${problem}; rebuilding the search index failed: ${describe(error)}`;
    throw error;
  }
  return runQuickCheck(conn);
}

/** The derived full-text tables this database has (a database migrated before 0005 has one). */
function ftsTables(conn: Connection): string[] {
  const known = ["threads_fts", "thread_messages_fts"];
  const present = conn.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('threads_fts', 'thread_messages_fts')")
    .pluck()
    .all() as string[];
  return known.filter((name) => present.includes(name));
}

function runQuickCheck(conn: Connection): string | undefined {
  try {
    const rows = conn.db.pragma("quick_check") as { quick_check: string }[];
    const messages = rows.map((r) => r.quick_check);
    return messages.length === 1 && messages[0] === "ok" ? undefined : messages.slice(0, 5).join("; ");
  } catch (error) {
    if (isCorruptionError(error)) return describe(error);
    throw error;
  }
}

function moveAside(path: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:.]/g, "").replace("T", "-");
  let target = `${path}.corrupt-${stamp}`;
  for (let n = 1; [target, `${target}-wal`, `${target}-shm`].some((p) => existsSync(p)); n++) {
    target = `${path}.corrupt-${stamp}-${n}`;
  }
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}
