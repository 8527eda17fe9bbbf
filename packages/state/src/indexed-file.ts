import { sep } from "node:path";
import { z } from "zod";
import { statement, type Connection } from "./internal/connection.js";

/** How indexing a file ended: fully indexed, indexed up to `byteOffset`, or failed (`error`). */
export const IndexedFileStatus = z.enum(["indexed", "partial", "failed"]);
export type IndexedFileStatus = z.infer<typeof IndexedFileStatus>;

/**
 * What the backfill last indexed from one rollout file. A reindex compares `size` and
 * `mtimeMs` with the file on disk and skips unchanged files; `byteOffset` is where the
 * indexed prefix ends, so an append-only file can be read from there.
 */
export const IndexedFile = z.strictObject({
  path: z.string().min(1),
  threadId: z.string().optional(),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number().int().nonnegative(),
  byteOffset: z.number().int().nonnegative(),
  indexedAtMs: z.number().int().nonnegative(),
  status: IndexedFileStatus,
  error: z.string().optional(),
});
export type IndexedFile = z.infer<typeof IndexedFile>;

/** What `recordIndexedFiles` takes: `indexedAtMs` defaults to now. */
export const IndexedFileInput = IndexedFile.extend({ indexedAtMs: IndexedFile.shape.indexedAtMs.optional() });
export type IndexedFileInput = z.infer<typeof IndexedFileInput>;

interface SqlIndexedFile {
  path: string;
  thread_id: string | null;
  size: number;
  mtime_ms: number;
  byte_offset: number;
  indexed_at_ms: number;
  status: string;
  error: string | null;
}

const COLUMNS = "path, thread_id, size, mtime_ms, byte_offset, indexed_at_ms, status, error";

function fromSql(r: SqlIndexedFile): IndexedFile {
  const file: IndexedFile = {
    path: r.path,
    size: r.size,
    mtimeMs: r.mtime_ms,
    byteOffset: r.byte_offset,
    indexedAtMs: r.indexed_at_ms,
    status: r.status as IndexedFileStatus,
  };
  if (r.thread_id !== null) file.threadId = r.thread_id;
  if (r.error !== null) file.error = r.error;
  return file;
}

/** The record for `path`, or undefined. */
export function getIndexedFile(conn: Connection, path: string): IndexedFile | undefined {
  const r = statement(conn, `SELECT ${COLUMNS} FROM indexed_files WHERE path = ?`).get(path) as SqlIndexedFile | undefined;
  return r && fromSql(r);
}

/** Every record, by path. */
export function listIndexedFiles(conn: Connection): IndexedFile[] {
  return (statement(conn, `SELECT ${COLUMNS} FROM indexed_files ORDER BY path`).all() as SqlIndexedFile[]).map(fromSql);
}

/**
 * What a reindex compares with a file on disk: one tuple per record (no per-row objects).
 * `messagesAt`: how far the thread's messages are indexed when that was from this very file
 * (the message state of the thread's current row names this path), else null.
 */
export type IndexedFileStamp = [
  path: string,
  size: number,
  mtimeMs: number,
  byteOffset: number,
  status: IndexedFileStatus,
  threadId: string | null,
  messagesAt: number | null,
];

/** Every record as a {@link IndexedFileStamp}, unordered. */
export function listIndexedFileStamps(conn: Connection): IndexedFileStamp[] {
  // One query instead of the records and the message states apart: a reindex of an unchanged
  // 10k-file home spent as long building the second map as comparing the files.
  return statement(
    conn,
    `SELECT f.path, f.size, f.mtime_ms, f.byte_offset, f.status, f.thread_id, CASE WHEN t.id IS NULL THEN NULL ELSE s.byte_offset END
     FROM indexed_files f
     LEFT JOIN thread_message_state s ON s.thread_id = f.thread_id AND s.rollout_path = f.path
     LEFT JOIN threads t ON t.id = s.thread_id AND t.seq = s.thread_seq`,
  ).raw(true).all() as IndexedFileStamp[];
}

/** The records of the files directly inside `dir` (a range scan of the primary key), by path. */
export function listIndexedFilesIn(conn: Connection, dir: string): IndexedFile[] {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  // Every path under `prefix` sorts in [prefix, prefix with its last char incremented).
  const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const rows = statement(conn, `SELECT ${COLUMNS} FROM indexed_files WHERE path >= ? AND path < ? ORDER BY path`).all(prefix, upper) as SqlIndexedFile[];
  return rows.filter((r) => !r.path.includes(sep, prefix.length)).map(fromSql);
}

/** Inserts or replaces records in one transaction. */
export function recordIndexedFiles(conn: Connection, records: readonly IndexedFileInput[], now: number): void {
  const insert = statement(
    conn,
    `INSERT OR REPLACE INTO indexed_files (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  conn.db
    .transaction(() => {
      for (const f of records) {
        insert.run(f.path, f.threadId ?? null, f.size, f.mtimeMs, f.byteOffset, f.indexedAtMs ?? now, f.status, f.error ?? null);
      }
    })
    .immediate();
}

/** Removes the record for `path`; true when there was one. */
export function forgetIndexedFile(conn: Connection, path: string): boolean {
  return statement(conn, "DELETE FROM indexed_files WHERE path = ?").run(path).changes > 0;
}
