import type { IndexedFileInput } from "../indexed-file.js";
import type { ThreadRowInput } from "../thread-row.js";
import { statement, type Connection } from "./connection.js";
import { UPSERT_THREAD_SQL, upsertParams } from "./thread-columns.js";
import { writeThreadMessages, type ThreadMessagesInput } from "../thread-messages.js";

// Why this exists: the FTS5 triggers of 0004 make every row write cost ~6x an explicit FTS
// insert, because a statement that fires a trigger opens a savepoint and FTS5 flushes its
// pending terms to a new segment at every savepoint. A bulk write therefore suspends the three
// triggers *inside its own transaction* (other connections never see them missing: DDL is
// transactional), maintains the FTS rows itself, and re-creates the triggers before COMMIT.
// The triggers stay the contract for every other writer, older Skein builds included.
// Dropping a trigger is a schema change every other connection must then reload (and FTS5
// reconnect, see schema-race.ts), so only a batch big enough to gain does it: a catch-up of a
// few threads, the common case while Codex runs, writes through the triggers.

/** Rows from which a batch suspends the triggers (below, the triggers' cost is under ~1 ms). */
const SUSPEND_TRIGGERS_FROM_ROWS = 16;

/** The FTS triggers of migration 0004, as `sqlite_master` stores them (whitespace-normalized). */
const KNOWN_FTS_TRIGGERS: Readonly<Record<string, string>> = {
  threads_fts_after_insert:
    "CREATE TRIGGER threads_fts_after_insert AFTER INSERT ON threads BEGIN INSERT INTO threads_fts (rowid, title, name, preview, first_user_message) VALUES (new.seq, new.title, new.name, new.preview, new.first_user_message); END",
  threads_fts_after_delete:
    "CREATE TRIGGER threads_fts_after_delete AFTER DELETE ON threads BEGIN INSERT INTO threads_fts (threads_fts, rowid, title, name, preview, first_user_message) VALUES ('delete', old.seq, old.title, old.name, old.preview, old.first_user_message); END",
  threads_fts_after_update:
    "CREATE TRIGGER threads_fts_after_update AFTER UPDATE OF title, name, preview, first_user_message ON threads BEGIN INSERT INTO threads_fts (threads_fts, rowid, title, name, preview, first_user_message) VALUES ('delete', old.seq, old.title, old.name, old.preview, old.first_user_message); INSERT INTO threads_fts (rowid, title, name, preview, first_user_message) VALUES (new.seq, new.title, new.name, new.preview, new.first_user_message); END",
};

const normalize = (sql: string) => sql.replace(/\s+/g, " ").trim();

interface TriggerRow {
  name: string;
  sql: string;
}

/**
 * The `threads` triggers to suspend, or undefined when they are not exactly the known FTS
 * triggers (a newer schema): the batch then writes through them, slower but always right.
 */
function suspendableTriggers(conn: Connection): TriggerRow[] | undefined {
  const rows = statement(conn, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'threads' ORDER BY name").all() as TriggerRow[];
  const names = Object.keys(KNOWN_FTS_TRIGGERS);
  if (rows.length !== names.length) return undefined;
  for (const row of rows) {
    const known = KNOWN_FTS_TRIGGERS[row.name];
    if (known === undefined || normalize(row.sql) !== known) return undefined;
  }
  return rows;
}

interface FtsTexts {
  seq: number;
  title: string | null;
  name: string | null;
  preview: string;
  first_user_message: string | null;
}

const SELECT_OLD = "SELECT seq, title, name, preview, first_user_message, recency_at_ms FROM threads WHERE id = ?";
const FTS_DELETE =
  "INSERT INTO threads_fts (threads_fts, rowid, title, name, preview, first_user_message) VALUES ('delete', ?, ?, ?, ?, ?)";
const FTS_INSERT = "INSERT INTO threads_fts (rowid, title, name, preview, first_user_message) VALUES (?, ?, ?, ?, ?)";
const RECORD_FILE =
  "INSERT OR REPLACE INTO indexed_files (path, thread_id, size, mtime_ms, byte_offset, indexed_at_ms, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

const sameTexts = (a: FtsTexts, b: FtsTexts) =>
  a.seq === b.seq && a.title === b.title && a.name === b.name && a.preview === b.preview && a.first_user_message === b.first_user_message;

/**
 * Upserts validated rows (the rules of `upsertThread`) and records files, all in one IMMEDIATE
 * transaction, keeping the full-text index exactly as the triggers would.
 */
export function writeIndexBatch(
  conn: Connection,
  rows: readonly ThreadRowInput[],
  files: readonly IndexedFileInput[],
  now: number,
  messages: readonly ThreadMessagesInput[] = [],
): void {
  conn.db
    .transaction(() => {
      const triggers = rows.length >= SUSPEND_TRIGGERS_FROM_ROWS ? suspendableTriggers(conn) : undefined;
      for (const trigger of triggers ?? []) conn.db.exec(`DROP TRIGGER ${trigger.name}`);
      const selectOld = statement(conn, SELECT_OLD);
      const upsert = statement(conn, UPSERT_THREAD_SQL);
      for (const row of rows) {
        const old = selectOld.get(row.threadId) as (FtsTexts & { recency_at_ms: number }) | undefined;
        const updatedAt = conn.updatedClock.allocate(row.updatedAt);
        // Recency is only chosen on insert; an existing row keeps its own (docs/state-index.md).
        const recencyAt = old ? old.recency_at_ms : conn.recencyClock.allocate(row.recencyAt ?? updatedAt);
        const params = upsertParams(row, { updatedAt, recencyAt, indexedAt: row.indexedAtMs ?? now });
        const info = upsert.run(params);
        if (!triggers) continue;
        // The texts as the upsert stored them (its ON CONFLICT rules for name and preview).
        const fresh: FtsTexts = {
          seq: old ? old.seq : Number(info.lastInsertRowid),
          title: params["title"] as string | null,
          name: old && params["name_given"] === 0 ? old.name : (params["name"] as string | null),
          preview: old && params["preview"] === "" ? old.preview : (params["preview"] as string),
          first_user_message: params["first_user_message"] as string | null,
        };
        if (old && sameTexts(old, fresh)) continue;
        if (old) statement(conn, FTS_DELETE).run(old.seq, old.title, old.name, old.preview, old.first_user_message);
        statement(conn, FTS_INSERT).run(fresh.seq, fresh.title, fresh.name, fresh.preview, fresh.first_user_message);
      }
      const record = statement(conn, RECORD_FILE);
      for (const f of files) {
        record.run(f.path, f.threadId ?? null, f.size, f.mtimeMs, f.byteOffset, f.indexedAtMs ?? now, f.status, f.error ?? null);
      }
      for (const trigger of triggers ?? []) conn.db.exec(trigger.sql);
      // After the rows: a thread's messages are keyed by its row's seq.
      for (const m of messages) writeThreadMessages(conn, m);
    })
    .immediate();
}
