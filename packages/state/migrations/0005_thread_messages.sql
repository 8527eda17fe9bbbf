-- 0005_thread_messages: full-text search over what was said in each thread (docs/search.md).
-- Only adds tables: a database migrated here still opens in an older Skein, which ignores them.
--
-- One row per searchable item of a thread's own rollout file: user and assistant messages in
-- `text`, tool calls and outputs in `tool_text` (searched only on request). The id packs the
-- thread's `threads.seq` and the item's number among the thread's searchable items:
-- `id = seq * 16777216 + n` (`seq << 24 | n`), so a thread's rows are one id range (deleted and
-- read by range) and a search groups hits by thread without a join. `thread_id` repeats the
-- owner, so rows left behind by a build that deleted a thread without knowing this table are
-- recognised (and replaced) when the seq is reused.
CREATE TABLE thread_messages (
  id INTEGER PRIMARY KEY,
  thread_id TEXT NOT NULL,
  -- 0-based position of the item among the non-blank lines of the thread's own file.
  position INTEGER NOT NULL,
  turn_id TEXT,
  role TEXT NOT NULL,
  at_ms INTEGER,
  text TEXT,
  tool_text TEXT
) STRICT;

-- unicode61 (words, case and diacritics folded), chosen over trigram and porter by
-- measurement (docs/search.md): a third of trigram's size and build time.
CREATE VIRTUAL TABLE thread_messages_fts USING fts5(
  text, tool_text,
  content = 'thread_messages', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);

-- How far each thread's messages are indexed, so appends and a reindex continue where the
-- last pass stopped. A thread without a row here has no messages indexed yet.
CREATE TABLE thread_message_state (
  thread_id TEXT PRIMARY KEY NOT NULL,
  thread_seq INTEGER NOT NULL,
  rollout_path TEXT NOT NULL,
  -- File offset just past the last line read into the messages.
  byte_offset INTEGER NOT NULL,
  -- Non-blank lines read so far (the next item's position).
  item_count INTEGER NOT NULL,
  -- Searchable items numbered so far (the next row's n).
  message_count INTEGER NOT NULL,
  -- The turn open at byte_offset, if any.
  turn_id TEXT,
  -- Legacy forks: 1 once the messages copied from the parent were recognised (or there was
  -- no parent to compare with); 0 while the parent's messages were not indexed yet.
  inherited_resolved INTEGER NOT NULL DEFAULT 1
) STRICT;
