import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { withNativeBinding } from "@skein/state";
import type { ThreadId } from "@skein/protocol";
import { hasCodexStateDb, inWriteTransaction, tableColumns, withCodexDb, type CodexDbOptions } from "./codex-state-db.js";

// Skein's archive, unarchive, rename and delete, mirrored into Codex's `threads` rows the way
// Codex 0.169 itself changes them (codex-real-format §5–6). One short transaction each, never
// more; a failure is reported, never thrown: the Skein change itself is already done and
// `skein doctor --fix` completes Codex's side later. Design: docs/codex-home-sync.md.

/** What happened to Codex's index. */
export type CodexSyncStatus =
  /** Codex's row was changed. */
  | "updated"
  /** The home has no Codex state database. */
  | "no-codex-db"
  /** Codex has no row for the thread (it indexes the file itself when it next scans). */
  | "not-indexed"
  /** Codex's `threads` table has a shape Skein does not know: left untouched. */
  | "unknown-schema"
  /** The update failed (busy beyond the timeout, I/O, …) and was rolled back. */
  | "failed";

/** The outcome of one sync. */
export interface CodexSyncReport {
  readonly status: CodexSyncStatus;
  readonly threadId: ThreadId;
  /** Why, for `unknown-schema` and `failed`. */
  readonly detail?: string;
}

/** Codex's thread-history database (paginated projections), kept in step on delete. */
export const CODEX_THREAD_HISTORY_DB_FILE = "thread_history_1.sqlite";

const seconds = (ms: number): number => Math.floor(ms / 1000);

function runSync(home: string, threadId: ThreadId, options: CodexDbOptions, change: (db: Database.Database) => number): CodexSyncReport {
  if (!hasCodexStateDb(home)) return { status: "no-codex-db", threadId };
  try {
    return withCodexDb(home, options, ({ db, shape }) => {
      if (!shape.known) return { status: "unknown-schema", threadId, detail: shape.reason };
      const changed = inWriteTransaction(db, options, () => change(db));
      return { status: changed > 0 ? "updated" : "not-indexed", threadId };
    });
  } catch (error) {
    return { status: "failed", threadId, detail: (error as Error).message };
  }
}

/** Archive: the row points at the archived file, `archived = 1`, `archived_at` set; `updated_at` kept (as Codex). */
export function codexMarkArchived(
  home: string,
  params: { threadId: ThreadId; rolloutPath: string; archivedAtMs: number },
  options: CodexDbOptions = {},
): CodexSyncReport {
  return runSync(home, params.threadId, options, (db) =>
    db
      .prepare("UPDATE threads SET rollout_path = ?, archived = 1, archived_at = ? WHERE id = ?")
      .run(params.rolloutPath, seconds(params.archivedAtMs), params.threadId).changes,
  );
}

/** Unarchive: the row points at the restored file, `archived = 0`, `archived_at` NULL, `updated_at` bumped (as Codex). */
export function codexMarkUnarchived(
  home: string,
  params: { threadId: ThreadId; rolloutPath: string; updatedAtMs: number },
  options: CodexDbOptions = {},
): CodexSyncReport {
  return runSync(home, params.threadId, options, (db) =>
    db
      .prepare("UPDATE threads SET rollout_path = ?, archived = 0, archived_at = NULL, updated_at = ?, updated_at_ms = ? WHERE id = ?")
      .run(params.rolloutPath, seconds(params.updatedAtMs), Math.trunc(params.updatedAtMs), params.threadId).changes,
  );
}

/**
 * Rename: Codex keeps a paginated thread's name in `name`, a legacy thread's in `title`
 * (codex-quirks "Names"). A cleared name (`""`) clears `name`; a legacy title is then left as is.
 */
export function codexSetName(home: string, params: { threadId: ThreadId; name: string }, options: CodexDbOptions = {}): CodexSyncReport {
  const name = params.name.trim() === "" ? null : params.name;
  return runSync(home, params.threadId, options, (db) => {
    const row = db.prepare("SELECT history_mode FROM threads WHERE id = ?").get(params.threadId) as { history_mode: string } | undefined;
    if (!row) return 0;
    if (row.history_mode === "paginated" || name === null) {
      return db.prepare("UPDATE threads SET name = ? WHERE id = ?").run(name, params.threadId).changes;
    }
    return db.prepare("UPDATE threads SET title = ? WHERE id = ?").run(name, params.threadId).changes;
  });
}

/**
 * Delete: the row goes, with what Codex's own delete removes (its dependants by foreign key,
 * the read receipt, the spawn edge naming it as child, and its paginated projection rows in
 * `thread_history_1.sqlite`). Each database gets its own short transaction.
 */
export function codexForgetThread(home: string, params: { threadId: ThreadId }, options: CodexDbOptions = {}): CodexSyncReport {
  const report = runSync(home, params.threadId, options, (db) => {
    if (tableColumns(db, "thread_read_receipts").has("thread_id")) {
      db.prepare("DELETE FROM thread_read_receipts WHERE thread_id = ?").run(params.threadId);
    }
    if (tableColumns(db, "thread_spawn_edges").has("child_thread_id")) {
      db.prepare("DELETE FROM thread_spawn_edges WHERE child_thread_id = ?").run(params.threadId);
    }
    return db.prepare("DELETE FROM threads WHERE id = ?").run(params.threadId).changes;
  });
  if (report.status === "updated" || report.status === "not-indexed") forgetProjection(home, params.threadId, options);
  return report;
}

/** Removes a deleted thread's rows from Codex's projection DB (best effort; it is derived data). */
export function forgetProjection(home: string, threadId: ThreadId, options: CodexDbOptions): void {
  const path = join(home, CODEX_THREAD_HISTORY_DB_FILE);
  if (!existsSync(path)) return;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, withNativeBinding({ fileMustExist: true }));
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'").all() as { name: string }[])
      .map((t) => t.name)
      .filter((t) => tableColumns(db!, t).has("thread_id"));
    if (tables.length === 0) return;
    inWriteTransaction(db, {}, () => {
      for (const table of tables) db!.prepare(`DELETE FROM "${table.replaceAll('"', '""')}" WHERE thread_id = ?`).run(threadId);
    });
  } catch {
    // Projection rows of a thread whose file and row are gone are never read by Codex.
  } finally {
    db?.close();
  }
}
