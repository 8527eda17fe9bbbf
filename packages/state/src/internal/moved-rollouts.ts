import type { Connection } from "./connection.js";
import { statement } from "./connection.js";

// The index side of moving rollouts between their forms (`skein compress` / `decompress`,
// docs/storage-care.md): each thread row that still names the old file names the new one, and the
// old file's record is replaced by one of the new file, all in one transaction. Only the path
// changes: names, dates, previews and the full-text rows are left exactly as they are.

/** One rollout moved from `from` to `to` (the new file's size and mtime as on disk). */
export interface MovedRollout {
  threadId: string;
  from: string;
  to: string;
  size: number;
  mtimeMs: number;
}

/** Applies the moves in one IMMEDIATE transaction; returns how many thread rows were repointed. */
export function recordMovedRollouts(conn: Connection, moves: readonly MovedRollout[], now: number): number {
  if (moves.length === 0) return 0;
  const repoint = statement(conn, "UPDATE threads SET rollout_path = ? WHERE id = ? AND rollout_path = ?");
  const forget = statement(conn, "DELETE FROM indexed_files WHERE path = ?");
  const record = statement(
    conn,
    "INSERT OR REPLACE INTO indexed_files (path, thread_id, size, mtime_ms, byte_offset, indexed_at_ms, status, error) VALUES (?, ?, ?, ?, ?, ?, 'indexed', NULL)",
  );
  return conn.db
    .transaction((): number => {
      let repointed = 0;
      for (const m of moves) {
        repointed += repoint.run(m.to, m.threadId, m.from).changes;
        forget.run(m.from);
        record.run(m.to, m.threadId, m.size, Math.trunc(m.mtimeMs), m.size, now);
      }
      return repointed;
    })
    .immediate();
}
