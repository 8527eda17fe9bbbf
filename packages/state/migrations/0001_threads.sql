-- 0001_threads: one row per thread, the queryable summary of its rollout JSONL.
-- The JSONL is the truth; every row here can be rebuilt from it.
-- Frozen once released: a fix is a new migration, never an edit (checksums are verified).
--
-- `seq` is an explicit INTEGER PRIMARY KEY (a rowid alias) so that rowids stay stable across
-- a manual VACUUM: the full-text index (0004) refers to rows by rowid. `id` is the thread id
-- and the key every API uses; it is UNIQUE NOT NULL and acts as the primary key.
CREATE TABLE threads (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  rollout_path TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  recency_at_ms INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT 'unknown',
  source_json TEXT NOT NULL DEFAULT '"unknown"',
  thread_source TEXT,
  model_provider TEXT NOT NULL DEFAULT '',
  model TEXT,
  reasoning_effort TEXT,
  cwd TEXT NOT NULL DEFAULT '',
  cli_version TEXT NOT NULL DEFAULT '',
  title TEXT,
  name TEXT,
  preview TEXT NOT NULL DEFAULT '',
  first_user_message TEXT,
  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
  archived_at_ms INTEGER,
  forked_from_id TEXT,
  parent_thread_id TEXT,
  git_sha TEXT,
  git_branch TEXT,
  git_origin_url TEXT,
  approval_mode TEXT,
  permission_profile_json TEXT,
  tokens_used INTEGER,
  memory_mode TEXT NOT NULL DEFAULT 'enabled',
  history_mode TEXT NOT NULL DEFAULT 'legacy',
  agent_nickname TEXT,
  agent_role TEXT,
  agent_path TEXT,
  indexed_at_ms INTEGER
) STRICT;

-- One index per sort key x archived; `id` is the keyset tie-break, so it is part of each.
CREATE INDEX idx_threads_archived_created ON threads (archived, created_at_ms DESC, id DESC);
CREATE INDEX idx_threads_archived_updated ON threads (archived, updated_at_ms DESC, id DESC);
CREATE INDEX idx_threads_archived_recency ON threads (archived, recency_at_ms DESC, id DESC);
CREATE INDEX idx_threads_cwd ON threads (cwd, archived);
CREATE INDEX idx_threads_parent ON threads (parent_thread_id);
