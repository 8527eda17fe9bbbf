-- 0006_usage_indexes: covering indexes for `skein du` from the index (docs/storage-care.md, "du").
-- Only adds indexes: a database migrated here still opens in an older Skein, which ignores them.
--
-- `skein du` groups every thread by archived state, form, day of creation, cwd and source with
-- the size recorded for its rollout. Read from the tables, that pass touches every page of
-- `threads` (wide rows: previews, first messages) and both the table and the primary-key index
-- of `indexed_files`; these two indexes hold exactly the columns it reads, a third of the pages.
--
-- Paths are kept in descending order: a cold build writes the newest folders first and each
-- folder's names newest first, so its inserts append to these indexes and fill their pages
-- (~87%); in ascending order the same build leaves them half empty (~46%, twice the pages to
-- read). Lookups by path work the same either way.
CREATE INDEX idx_threads_usage ON threads (rollout_path DESC, archived, created_at_ms, cwd, source, id);
CREATE INDEX idx_indexed_files_size ON indexed_files (path DESC, size);
