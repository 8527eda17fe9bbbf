import { join } from "node:path";
import Database from "better-sqlite3";

// A Codex 0.169-shaped `state_5.sqlite` for unit tests: the `threads` table and the dependants
// Skein touches, declared as Codex 0.169 declares them (column list as observed in a real
// home). The interop package checks the same code against databases made by the real binary.

export const CODEX_0169_SCHEMA = `
CREATE TABLE threads (
    id TEXT PRIMARY KEY,
    rollout_path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    model_provider TEXT NOT NULL,
    cwd TEXT NOT NULL,
    title TEXT NOT NULL,
    sandbox_policy TEXT NOT NULL,
    approval_mode TEXT NOT NULL,
    tokens_used INTEGER NOT NULL DEFAULT 0,
    has_user_event INTEGER NOT NULL DEFAULT 0,
    archived INTEGER NOT NULL DEFAULT 0,
    archived_at INTEGER,
    git_sha TEXT,
    git_branch TEXT,
    git_origin_url TEXT
, cli_version TEXT NOT NULL DEFAULT '', first_user_message TEXT NOT NULL DEFAULT '', agent_nickname TEXT, agent_role TEXT,
  memory_mode TEXT NOT NULL DEFAULT 'enabled', model TEXT, reasoning_effort TEXT, agent_path TEXT, created_at_ms INTEGER,
  updated_at_ms INTEGER, thread_source TEXT, preview TEXT NOT NULL DEFAULT '', recency_at INTEGER NOT NULL DEFAULT 0,
  recency_at_ms INTEGER NOT NULL DEFAULT 0, history_mode TEXT NOT NULL DEFAULT 'legacy', name TEXT,
  is_pinned INTEGER NOT NULL DEFAULT 0, originator TEXT);
CREATE TABLE thread_dynamic_tools (
    thread_id TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, input_schema TEXT NOT NULL,
    PRIMARY KEY(thread_id, position), FOREIGN KEY(thread_id) REFERENCES threads(id) ON DELETE CASCADE);
CREATE TABLE thread_read_receipts (thread_id TEXT PRIMARY KEY NOT NULL, first_unread_turn TEXT, revision TEXT NOT NULL, last_published_turn TEXT);
`;

export function codexDbPath(home: string): string {
  return join(home, "state_5.sqlite");
}

/** Creates Codex's state DB in WAL mode, as Codex does. `schema` overrides the DDL. */
export function makeCodexStateDb(home: string, schema = CODEX_0169_SCHEMA): void {
  const db = new Database(codexDbPath(home));
  db.pragma("journal_mode = wal");
  db.exec(schema);
  db.close();
}

export interface CodexRowInput {
  id: string;
  rolloutPath: string;
  archived?: boolean;
  historyMode?: "paginated" | "legacy";
  name?: string | null;
  title?: string;
  updatedAt?: number;
}

/** Inserts a `threads` row (plus a read receipt and a dynamic tool, to see them go on delete). */
export function insertCodexRow(home: string, row: CodexRowInput): void {
  const db = new Database(codexDbPath(home));
  db.prepare(
    `INSERT INTO threads (id, rollout_path, created_at, updated_at, updated_at_ms, source, model_provider, cwd, title, sandbox_policy,
       approval_mode, archived, archived_at, history_mode, name)
     VALUES (?, ?, 1795635833, ?, ?, 'exec', 'mock', '/work', ?, '{"type":"disabled"}', 'never', ?, ?, ?, ?)`,
  ).run(
    row.id,
    row.rolloutPath,
    row.updatedAt ?? 1795635836,
    (row.updatedAt ?? 1795635836) * 1000,
    row.title ?? "say hi",
    row.archived ? 1 : 0,
    row.archived ? 1795635866 : null,
    row.historyMode ?? "paginated",
    row.name ?? null,
  );
  db.prepare("INSERT INTO thread_read_receipts VALUES (?, NULL, 'rev', NULL)").run(row.id);
  db.prepare("INSERT INTO thread_dynamic_tools VALUES (?, 0, 'lookup', 'd', '{}')").run(row.id);
  db.close();
}

export interface CodexRowOutput {
  id: string;
  rollout_path: string;
  archived: number;
  archived_at: number | null;
  updated_at: number;
  updated_at_ms: number | null;
  name: string | null;
  title: string;
}

export function codexRow(home: string, id: string): CodexRowOutput | undefined {
  const db = new Database(codexDbPath(home), { readonly: true });
  try {
    return db.prepare("SELECT id, rollout_path, archived, archived_at, updated_at, updated_at_ms, name, title FROM threads WHERE id = ?").get(id) as
      | CodexRowOutput
      | undefined;
  } finally {
    db.close();
  }
}

export function codexCount(home: string, table: string, id: string): number {
  const db = new Database(codexDbPath(home), { readonly: true });
  try {
    const col = table === "threads" ? "id" : "thread_id";
    return (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${col} = ?`).get(id) as { n: number }).n;
  } finally {
    db.close();
  }
}
