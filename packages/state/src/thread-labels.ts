import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { withNativeBinding } from "./internal/native-binding.js";

/** What a person recognises a thread by: its id, name and the start of its preview. */
export interface ThreadLabel {
  id: string;
  name: string | null;
  /** The first {@link LABEL_PREVIEW_CHARS} characters of the preview. */
  preview: string;
}

/** How much of each preview {@link readThreadLabels} returns (a label, not the text). */
export const LABEL_PREVIEW_CHARS = 80;

/**
 * Every thread's id, name and preview start, active threads first and each group most recently
 * active first, read from the index file at
 * `path` opened read-only: no migration, no write, no recovery, one query. For quick lookups
 * outside a store — shell completion — where an answer a moment stale is fine. Returns `[]` when
 * the file does not exist or cannot be read as an index (never throws: the caller has nothing
 * better to do than offer fewer labels).
 */
export function readThreadLabels(path: string): ThreadLabel[] {
  if (!existsSync(path)) return [];
  try {
    const db = new Database(path, withNativeBinding({ readonly: true, fileMustExist: true, timeout: 1000 }));
    try {
      // Active threads first, then archived ones, each most recent first: the index's own order.
      const sql = `SELECT id, name, substr(preview, 1, ${LABEL_PREVIEW_CHARS}) AS preview FROM threads ORDER BY archived, recency_at_ms DESC, id DESC`;
      return db.prepare(sql).all() as ThreadLabel[];
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}
