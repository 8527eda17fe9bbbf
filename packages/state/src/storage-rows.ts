import { statement, type Connection } from "./internal/connection.js";

// The cheap whole-index read behind `skein du` and the selection of `compress`/`prune`
// (docs/storage-care.md): every thread row with only the columns those need, joined with what
// the index last recorded about its file. One statement, no paging: 10,000s of rows in a few ms.

/** One thread as storage care sees it. */
export interface StorageRow {
  threadId: string;
  rolloutPath: string;
  createdAtMs: number;
  updatedAtMs: number;
  archived: boolean;
  archivedAtMs?: number;
  source: string;
  cwd: string;
  historyMode: string;
  forkedFromId?: string;
  /** Display label; absent from the index query (read the few rows shown with `getThread`). */
  label?: string;
  /** Size the index recorded for the row's file (absent when the file has no record). */
  indexedSize?: number;
  /** Mtime the index recorded for the row's file. */
  indexedMtimeMs?: number;
}

interface SqlStorageRow {
  id: string;
  rollout_path: string;
  created_at_ms: number;
  updated_at_ms: number;
  archived: number;
  archived_at_ms: number | null;
  source: string;
  cwd: string;
  history_mode: string;
  forked_from_id: string | null;
  size: number | null;
  mtime_ms: number | null;
}

const SQL =
  "SELECT t.id, t.rollout_path, t.created_at_ms, t.updated_at_ms, t.archived, t.archived_at_ms, t.source, t.cwd, " +
  "t.history_mode, t.forked_from_id, f.size, f.mtime_ms " +
  "FROM threads t LEFT JOIN indexed_files f ON f.path = t.rollout_path";

/** Every thread row (active and archived), unordered. */
export function listStorageRows(conn: Connection): StorageRow[] {
  return (statement(conn, SQL).all() as SqlStorageRow[]).map((r) => {
    const row: StorageRow = {
      threadId: r.id,
      rolloutPath: r.rollout_path,
      createdAtMs: r.created_at_ms,
      updatedAtMs: r.updated_at_ms,
      archived: r.archived === 1,
      source: r.source,
      cwd: r.cwd,
      historyMode: r.history_mode,
    };
    if (r.archived_at_ms !== null) row.archivedAtMs = r.archived_at_ms;
    if (r.forked_from_id !== null) row.forkedFromId = r.forked_from_id;
    if (r.size !== null) row.indexedSize = r.size;
    if (r.mtime_ms !== null) row.indexedMtimeMs = r.mtime_ms;
    return row;
  });
}
