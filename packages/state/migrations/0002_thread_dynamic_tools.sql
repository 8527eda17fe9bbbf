-- 0002_thread_dynamic_tools: dynamic tools per thread, in Codex's column layout.
--
-- NOTHING READS OR WRITES THIS TABLE ANY MORE, AND IT MUST NEVER BE DROPPED.
-- Dynamic tools now live only in the rollout's first `session_meta.dynamic_tools`
-- (codex-storage-spec.md §7.3). The table stays because a database migrated by a newer
-- build must keep opening in an older one (unknown applied migrations are ignored), and
-- older Skein builds and Codex-compatible readers may still select from or delete from it.
-- Rule (§5.2): never drop or rename a table or column that a released version uses.
-- The only remaining use is the cleanup in `deleteThread`, which deletes a thread's rows here.
CREATE TABLE thread_dynamic_tools (
  thread_id TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  input_schema TEXT NOT NULL,
  defer_loading INTEGER NOT NULL DEFAULT 0,
  namespace TEXT,
  PRIMARY KEY (thread_id, position)
);
CREATE INDEX idx_thread_dynamic_tools_thread ON thread_dynamic_tools (thread_id);
