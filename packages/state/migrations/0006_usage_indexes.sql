-- 0006_usage_indexes: covering indexes for `skein du` from the index (docs/storage-care.md, "du").
-- Only adds indexes: a database migrated here still opens in an older Skein, which ignores them.
--
-- `skein du` groups every thread by archived state, form, day of creation, cwd and source with
-- the size recorded for its rollout. Read from the tables, that pass touches every page of
-- `threads` (wide rows: previews, first messages) and both the table and the primary-key index
-- of `indexed_files`; these two indexes hold exactly the columns it reads, a third of the pages.
CREATE INDEX idx_threads_usage ON threads (rollout_path, archived, created_at_ms, cwd, source, id);
CREATE INDEX idx_indexed_files_size ON indexed_files (path, size);
