import { ThreadMetadataPatch } from "@skein/protocol";
import { ThreadRowInput, type ThreadRow } from "../thread-row.js";
import { statement, type Connection } from "./connection.js";
import { parseArgument } from "./parse-argument.js";
import { deleteThreadMessages } from "../thread-messages.js";
import { patchAssignments } from "./patch-columns.js";
import { rowFromSql, THREAD_SELECT, UPSERT_THREAD_SQL, upsertParams, type SqlThreadRow } from "./thread-columns.js";

// Behaviour: docs/state-index.md, "Rows and writes".

const SELECT_BY_ID = `SELECT ${THREAD_SELECT} FROM threads t WHERE t.id = ?`;

/** Validates an upsert row at the API boundary. */
export function parseRowInput(row: unknown): ThreadRowInput {
  return parseArgument(ThreadRowInput, row, "thread row");
}

/** The stored row for `id`, or undefined. */
export function getThread(conn: Connection, id: string): ThreadRow | undefined {
  const r = statement(conn, SELECT_BY_ID).get(id) as SqlThreadRow | undefined;
  return r && rowFromSql(r);
}

/** Writes one validated row (no transaction of its own). */
export function writeRow(conn: Connection, row: ThreadRowInput, now: number): void {
  const existing = statement(conn, "SELECT recency_at_ms FROM threads WHERE id = ?").get(row.threadId) as
    | { recency_at_ms: number }
    | undefined;
  const updatedAt = conn.updatedClock.allocate(row.updatedAt);
  // Recency is only chosen on insert; an existing row keeps its own (docs/state-index.md).
  const recencyAt = existing ? existing.recency_at_ms : conn.recencyClock.allocate(row.recencyAt ?? updatedAt);
  statement(conn, UPSERT_THREAD_SQL).run(upsertParams(row, { updatedAt, recencyAt, indexedAt: row.indexedAtMs ?? now }));
}

/** Inserts or updates one row and returns it as stored. */
export function upsertThread(conn: Connection, row: ThreadRowInput, now: number): ThreadRow {
  conn.db.transaction(() => writeRow(conn, row, now)).immediate();
  return getThread(conn, row.threadId)!;
}

/** Upserts every row in one transaction; returns how many were written. */
export function upsertMany(conn: Connection, rows: readonly ThreadRowInput[], now: number): number {
  conn.db
    .transaction(() => {
      for (const row of rows) writeRow(conn, row, now);
    })
    .immediate();
  return rows.length;
}

/** Validates a patch at the API boundary. */
export function parsePatch(patch: unknown): ThreadMetadataPatch {
  return parseArgument(ThreadMetadataPatch, patch, "metadata patch");
}

/**
 * Applies a literal patch to an existing row: absent = unchanged, value = set, `null` = clear;
 * git sub-fields merge one by one. `updatedAt` goes through the monotonic allocator and
 * `advanceRecencyAt` never moves recency backwards: `max(given, old + 1)`.
 */
export function applyMetadataPatch(conn: Connection, id: string, patch: ThreadMetadataPatch): ThreadRow | undefined {
  const found = conn.db
    .transaction((): boolean => {
      const old = statement(conn, "SELECT recency_at_ms FROM threads WHERE id = ?").get(id) as
        | { recency_at_ms: number }
        | undefined;
      if (!old) return false;
      const set = patchAssignments(patch);
      if (patch.updatedAt !== undefined) set.set("updated_at_ms", conn.updatedClock.allocate(patch.updatedAt));
      if (patch.advanceRecencyAt !== undefined) {
        const recency = Math.max(conn.recencyClock.allocate(patch.advanceRecencyAt), old.recency_at_ms + 1);
        conn.recencyClock.observe(recency);
        set.set("recency_at_ms", recency);
      }
      if (set.size === 0) return true;
      // Column names come from fixed maps, never from the caller; values are parameters.
      const columns = [...set.keys()].sort();
      const sql = `UPDATE threads SET ${columns.map((c) => `${c} = ?`).join(", ")} WHERE id = ?`;
      statement(conn, sql).run(...columns.map((c) => set.get(c)!), id);
      return true;
    })
    .immediate();
  return found ? getThread(conn, id) : undefined;
}

/** Parameters of {@link markArchived}. */
export interface MarkArchivedParams {
  /** Where the rollout now lives (`archived_sessions/…`). */
  rolloutPath: string;
  archivedAtMs: number;
  /** The moved file's mtime, when the caller wants `updated_at` to follow it. */
  updatedAtMs?: number;
}

/** Parameters of {@link markUnarchived}. */
export interface MarkUnarchivedParams {
  /** Where the rollout lives again (`sessions/YYYY/MM/DD/…`). */
  rolloutPath: string;
  /** The restored file's new mtime: the thread sorts as freshly updated. */
  updatedAtMs: number;
}

/** Marks a row archived; recency is left as it was. */
export function markArchived(conn: Connection, id: string, params: MarkArchivedParams): ThreadRow | undefined {
  const sets = ["archived = 1", "archived_at_ms = @archived_at_ms", "rollout_path = @rollout_path"];
  const values: Record<string, string | number> = { id, archived_at_ms: params.archivedAtMs, rollout_path: params.rolloutPath };
  if (params.updatedAtMs !== undefined) {
    sets.push("updated_at_ms = @updated_at_ms");
    values["updated_at_ms"] = conn.updatedClock.allocate(params.updatedAtMs);
  }
  const info = statement(conn, `UPDATE threads SET ${sets.join(", ")} WHERE id = @id`).run(values);
  return info.changes === 0 ? undefined : getThread(conn, id);
}

/** Marks a row active again, with its restored path and a fresh `updated_at`. */
export function markUnarchived(conn: Connection, id: string, params: MarkUnarchivedParams): ThreadRow | undefined {
  const info = statement(
    conn,
    "UPDATE threads SET archived = 0, archived_at_ms = NULL, rollout_path = ?, updated_at_ms = ? WHERE id = ?",
  ).run(params.rolloutPath, conn.updatedClock.allocate(params.updatedAtMs), id);
  return info.changes === 0 ? undefined : getThread(conn, id);
}

/**
 * Deletes a thread's row and everything keyed by it, in one transaction: dynamic-tool rows
 * (the table is kept for older readers), indexed-file records, then the thread row last.
 */
export function deleteThread(conn: Connection, id: string): boolean {
  return conn.db
    .transaction((): boolean => {
      statement(conn, "DELETE FROM thread_dynamic_tools WHERE thread_id = ?").run(id);
      statement(conn, "DELETE FROM indexed_files WHERE thread_id = ?").run(id);
      deleteThreadMessages(conn, id);
      return statement(conn, "DELETE FROM threads WHERE id = ?").run(id).changes > 0;
    })
    .immediate();
}
