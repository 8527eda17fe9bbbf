-- Skein thread store on PostgreSQL: thread summaries, history rows, writer leases.
-- Frozen once released: a fix is a new migration. Runs with search_path set to the store's
-- schema, so names stay unqualified. Never drop a table or column a released version uses.

-- One row per durable thread. Columns mirror StoredThread (camelCase API) in snake_case;
-- times are epoch milliseconds, like @skein/state.
CREATE TABLE threads (
  -- "C" collation: ids compare byte-wise, like the keyset tie-break in JavaScript.
  thread_id          text COLLATE "C" PRIMARY KEY,
  rollout_path       text,
  forked_from_id     text,
  parent_thread_id   text,
  -- NULL = never set by a patch (the list text then falls back to first_user_message).
  preview            text,
  name               text,
  title              text,
  first_user_message text,
  model_provider     text NOT NULL,
  model              text,
  reasoning_effort   text,
  created_at_ms      bigint NOT NULL,
  updated_at_ms      bigint NOT NULL,
  recency_at_ms      bigint NOT NULL,
  archived           boolean NOT NULL DEFAULT false,
  archived_at_ms     bigint,
  cwd                text NOT NULL,
  cli_version        text NOT NULL,
  source             jsonb NOT NULL,
  source_key         text NOT NULL,
  thread_source      text,
  agent_nickname     text,
  agent_role         text,
  agent_path         text,
  git_sha            text,
  git_branch         text,
  git_origin_url     text,
  approval_mode      text,
  permission_profile jsonb,
  tokens_used        bigint,
  memory_mode        text NOT NULL,
  history_mode       text NOT NULL,
  -- A fork that references its parent's prefix instead of copying it: the fork's history is
  -- base_thread_id's resolved history before base_seq_exclusive, then its own rows.
  base_thread_id     text,
  base_seq_exclusive bigint,
  -- The next sequence number of this thread's own rows (own rows start at base_seq_exclusive).
  next_seq           bigint NOT NULL DEFAULT 0,
  -- What lists show and filter on: the preview, else the first user message, else ''.
  list_preview       text GENERATED ALWAYS AS (coalesce(preview, first_user_message, '')) STORED,
  -- 'simple' configuration: no stemming or stop words, so any language and any term works.
  search_document    tsvector GENERATED ALWAYS AS (
    to_tsvector('simple',
      coalesce(name, '') || ' ' || coalesce(title, '') || ' ' || coalesce(preview, first_user_message, ''))
  ) STORED
);

-- Lists show only threads with a preview (Codex rule), so the list indexes are partial.
-- One per sort key; btree scans backwards for the other direction.
CREATE INDEX threads_list_created ON threads (archived, created_at_ms, thread_id) WHERE list_preview <> '';
CREATE INDEX threads_list_updated ON threads (archived, updated_at_ms, thread_id) WHERE list_preview <> '';
CREATE INDEX threads_list_recency ON threads (archived, recency_at_ms, thread_id) WHERE list_preview <> '';
CREATE INDEX threads_parent ON threads (parent_thread_id) WHERE parent_thread_id IS NOT NULL;
CREATE INDEX threads_base ON threads (base_thread_id) WHERE base_thread_id IS NOT NULL;
-- A rollout path names at most one thread.
CREATE UNIQUE INDEX threads_rollout_path ON threads (rollout_path) WHERE rollout_path IS NOT NULL;
CREATE INDEX threads_search ON threads USING gin (search_document);

-- History: one row per record, in per-thread sequence order. `raw` is the exact JSON line,
-- so reads and exports are byte-faithful; payload/metadata are jsonb for queries.
CREATE TABLE thread_items (
  thread_id text COLLATE "C" NOT NULL REFERENCES threads (thread_id) ON DELETE CASCADE,
  seq       bigint NOT NULL,
  ts        text   NOT NULL,
  type      text   NOT NULL,
  payload   jsonb,
  metadata  jsonb,
  raw       text   NOT NULL,
  PRIMARY KEY (thread_id, seq)
);

-- Single writer per thread across machines. Not a foreign key: a lazily created thread
-- holds its lease before it has a row. Expiry uses the database clock, never a client's.
CREATE TABLE thread_writers (
  thread_id   text COLLATE "C" PRIMARY KEY,
  holder      text NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
