-- Content search (docs/search.md): the searchable texts of each thread's own history rows,
-- derived from thread_items (user and assistant messages; tool calls and outputs with
-- role 'tool'), one row per item that has text. Only adds tables.
--
-- `words` is built by the store from the shared tokenizer of @skein/protocol (folded words
-- with their positions), not by a text search configuration, so every store splits and
-- folds text the same way; queries are built the same way (phrases with <->, prefixes :*).
CREATE TABLE thread_search_texts (
  thread_id text COLLATE "C" NOT NULL REFERENCES threads (thread_id) ON DELETE CASCADE,
  -- The item's seq in thread_items: its position in the thread's full history; -1 for the
  -- thread's name (role 'name').
  seq       bigint NOT NULL,
  turn_id   text,
  role      text NOT NULL,
  at_ms     bigint,
  text      text NOT NULL,
  words     tsvector NOT NULL,
  -- A legacy-copy fork's message that repeats its parent's lineage: found in the parent only.
  inherited boolean NOT NULL DEFAULT false,
  PRIMARY KEY (thread_id, seq)
);
CREATE INDEX thread_search_texts_words ON thread_search_texts USING gin (words);

-- How far each thread's rows were read into thread_search_texts.
CREATE TABLE thread_search_state (
  thread_id  text COLLATE "C" PRIMARY KEY REFERENCES threads (thread_id) ON DELETE CASCADE,
  next_seq   bigint NOT NULL,
  open_turn  text,
  -- The name last written as the seq -1 text (NULL: none).
  name       text,
  -- A copying fork whose inherited prefix may still grow (its own texts so far all repeat the parent's).
  inherited_open boolean NOT NULL DEFAULT false
);
