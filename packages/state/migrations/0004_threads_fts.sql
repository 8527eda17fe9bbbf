-- 0004_threads_fts: full-text search over the display texts of a thread.
-- An external-content FTS5 table over `threads` (keyed by `threads.seq`, a stable rowid),
-- kept in sync by the triggers below, so no write path can forget it.
CREATE VIRTUAL TABLE threads_fts USING fts5(
  title, name, preview, first_user_message,
  content = 'threads', content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER threads_fts_after_insert AFTER INSERT ON threads BEGIN
  INSERT INTO threads_fts (rowid, title, name, preview, first_user_message)
  VALUES (new.seq, new.title, new.name, new.preview, new.first_user_message);
END;

CREATE TRIGGER threads_fts_after_delete AFTER DELETE ON threads BEGIN
  INSERT INTO threads_fts (threads_fts, rowid, title, name, preview, first_user_message)
  VALUES ('delete', old.seq, old.title, old.name, old.preview, old.first_user_message);
END;

CREATE TRIGGER threads_fts_after_update AFTER UPDATE OF title, name, preview, first_user_message ON threads BEGIN
  INSERT INTO threads_fts (threads_fts, rowid, title, name, preview, first_user_message)
  VALUES ('delete', old.seq, old.title, old.name, old.preview, old.first_user_message);
  INSERT INTO threads_fts (rowid, title, name, preview, first_user_message)
  VALUES (new.seq, new.title, new.name, new.preview, new.first_user_message);
END;
