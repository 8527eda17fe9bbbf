-- 0003_indexing: bookkeeping for the backfill that the local store drives.

-- What was indexed from each rollout file, so a reindex touches only changed files.
CREATE TABLE indexed_files (
  path TEXT PRIMARY KEY NOT NULL,
  thread_id TEXT,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  byte_offset INTEGER NOT NULL,
  indexed_at_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  error TEXT
) STRICT;
CREATE INDEX idx_indexed_files_thread ON indexed_files (thread_id);

-- Named leases, so that two processes starting at once do not both run a backfill.
CREATE TABLE leases (
  name TEXT PRIMARY KEY NOT NULL,
  owner TEXT NOT NULL,
  acquired_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
) STRICT;

-- Small key/value facts about the index itself (e.g. `last_full_reindex_at`).
CREATE TABLE meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
) STRICT;
