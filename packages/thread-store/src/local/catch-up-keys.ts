import { relative, sep } from "node:path";

// The meta keys a catch-up keeps (docs/state-index.md, "Reindex and catch-up"): written by
// index-sync.ts, read also by the read-only path (read-only/, docs/cli-startup.md), which only
// checks whether a catch-up would have anything to do.

/** Meta key set once a home has been fully indexed (a first open indexes everything once). */
export const META_HOME_INDEXED_AT = "home_indexed_at";
/**
 * Meta key set once every file's messages were indexed (docs/search.md): an index built before
 * the message index existed gets one full pass on its next open.
 */
export const META_MESSAGES_INDEXED_AT = "messages_indexed_at";
/**
 * Meta key of the home the index's paths were written under (`resolve`d). The index stores
 * absolute rollout paths, so a home moved or copied together with its `.skein/` holds rows that
 * lead to the old place: when this differs from the home being opened, the catch-up re-derives
 * every row from the files here (docs/state-index.md, "A moved or copied home").
 */
export const META_HOME_ROOT = "home_root";
/** Prefix of the meta keys holding each watched folder's mtime. */
export const DIR_KEY_PREFIX = "dir_mtime:";
/** Meta key of `session_index.jsonl`'s mark (`formatSessionIndexMark`). */
export const SESSION_INDEX_KEY = "session_index_stat";
/** Meta key recording a stale writer lock's token once its file was re-extracted. */
export const staleLockKey = (threadId: string): string => `stale_lock:${threadId}`;

/**
 * The meta key of a watched folder: its path relative to the home. Folders come from
 * `watchedDirPaths`, i.e. joined under the home, so slicing the prefix is the common case; a quick
 * catch-up computes one per day folder on every open, where `path.relative` was the top cost.
 */
export function dirKey(home: string, dir: string): string {
  const prefix = home.endsWith(sep) ? home : home + sep;
  const rel = dir.startsWith(prefix) && !dir.includes(`${sep}.`) ? dir.slice(prefix.length) : relative(home, dir);
  return `${DIR_KEY_PREFIX}${rel}`;
}
