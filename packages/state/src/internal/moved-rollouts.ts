import type { Connection } from "./connection.js";
import { statement } from "./connection.js";

// The index side of moving rollouts between their forms (`skein compress` / `decompress`,
// docs/storage-care.md): each thread row that still names the old file names the new one, and the
// old file's record is replaced by one of the new file, all in one transaction. Only the path
// changes: names, dates, previews and the full-text rows are left exactly as they are.
//
// The content is the same plain text in either form, and a record's `byte_offset` (like the
// message state's) counts plain bytes. So when the old record had read the whole content, the new
// record says so too and the thread's message state follows the path: the next reindex finds the
// new file unchanged instead of reading every moved thread again (it did, 4 s per 2,245 threads).
// An old record that had not read it all (a file appended since, a torn tail) is not carried:
// the new file is then simply not indexed yet, and the next reindex reads it.

/** One rollout moved from `from` to `to` (the new file's size and mtime as on disk). */
export interface MovedRollout {
  threadId: string;
  from: string;
  to: string;
  size: number;
  mtimeMs: number;
  /** Length of the plain text (the plain file's size, the compressed file's decoded size). */
  plainBytes: number;
}

/** Applies the moves in one IMMEDIATE transaction; returns how many thread rows were repointed. */
export function recordMovedRollouts(conn: Connection, moves: readonly MovedRollout[], now: number): number {
  if (moves.length === 0) return 0;
  const repoint = statement(conn, "UPDATE threads SET rollout_path = ? WHERE id = ? AND rollout_path = ?");
  const old = statement(conn, "SELECT byte_offset, status FROM indexed_files WHERE path = ?");
  const forget = statement(conn, "DELETE FROM indexed_files WHERE path = ?");
  const record = statement(
    conn,
    "INSERT OR REPLACE INTO indexed_files (path, thread_id, size, mtime_ms, byte_offset, indexed_at_ms, status, error) VALUES (?, ?, ?, ?, ?, ?, 'indexed', NULL)",
  );
  const moveMessages = statement(conn, "UPDATE thread_message_state SET rollout_path = ? WHERE thread_id = ? AND rollout_path = ?");
  return conn.db
    .transaction((): number => {
      let repointed = 0;
      for (const m of moves) {
        repointed += repoint.run(m.to, m.threadId, m.from).changes;
        const was = old.get(m.from) as { byte_offset: number; status: string } | undefined;
        forget.run(m.from);
        forget.run(m.to);
        if (was?.status !== "indexed" || was.byte_offset !== m.plainBytes) continue;
        record.run(m.to, m.threadId, m.size, Math.trunc(m.mtimeMs), m.plainBytes, now);
        moveMessages.run(m.to, m.threadId, m.from);
      }
      return repointed;
    })
    .immediate();
}
