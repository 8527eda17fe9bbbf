import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { readSessionIndexChanges, watchedDirPaths } from "@skein/rollout";
import { InvalidCursorError, ReadOnlyIndex } from "@skein/state/read-only";
import { InvalidRequestError } from "../errors.js";
import { normalizeListThreadsParams } from "../history/list-params.js";
import { DIR_KEY_PREFIX, META_HOME_INDEXED_AT, META_HOME_ROOT, META_MESSAGES_INDEXED_AT, SESSION_INDEX_KEY, dirKey, staleLockKey } from "../local/catch-up-keys.js";
import { LOCKS_SUBDIR, SKEIN_STATE_DB_FILE } from "../local/home-files.js";
import { RolloutPathGuard, sameHome } from "../local/home-paths.js";
import { reportFromIndexedUsage, type DiskUsageReport } from "../local/storage/usage-report.js";
import { storedThreadFromRow } from "../local/thread-row-mapping.js";
import type { ListThreadsParams, ThreadPage } from "../types.js";

// `@skein/thread-store/read-only`: a local home's index read without opening the store, for short
// read-only commands (`skein list`, `skein du`, shell completion). It answers only when the full
// store would answer the same thing without changing anything first: the index is migrated at
// least this far, the home was fully indexed, and the quick catch-up would find nothing to do
// (no watched folder's mtime moved, `session_index.jsonl` unchanged, no new stale writer lock).
// Otherwise `open` returns undefined and the caller opens `LocalThreadStore` (which catches up).
// Design: docs/cli-startup.md, "The read-only path".

export { SKEIN_STATE_DB_FILE } from "../local/home-files.js";

/** The index of a home, opened read-only; see the module comment. */
export class ReadOnlyHome {
  readonly home: string;
  readonly #index: ReadOnlyIndex;

  private constructor(home: string, index: ReadOnlyIndex) {
    this.home = home;
    this.#index = index;
  }

  /**
   * Opens the home's index read-only when it can answer as the full store would; otherwise
   * (no index, an older schema, a catch-up due, SQLite unavailable or the file damaged)
   * resolves to undefined. Never writes.
   */
  static async open(home: string, options: { stateDbPath?: string } = {}): Promise<ReadOnlyHome | undefined> {
    const root = resolve(home);
    let index: ReadOnlyIndex | undefined;
    try {
      index = ReadOnlyIndex.open(options.stateDbPath ?? join(root, SKEIN_STATE_DB_FILE));
      if (index && (await catchUpDue(root, index))) {
        index.close();
        index = undefined;
      }
    } catch {
      // SQLite missing, a damaged file, a lock held too long: the full store knows what to do.
      index?.close();
      return undefined;
    }
    return index ? new ReadOnlyHome(root, index) : undefined;
  }

  /**
   * One page, exactly as `LocalThreadStore.listThreads` returns it — or undefined when a row's
   * file vanished (the full store repairs such rows, so the caller asks it instead).
   * @throws InvalidRequestError for invalid params or cursor, with the full store's message.
   */
  listThreads(params: ListThreadsParams): ThreadPage | undefined {
    const query = normalizeListThreadsParams(params);
    if (query.cwdFilters && query.cwdFilters.length === 0) return { items: [] };
    let page;
    try {
      page = this.#index.listThreads({ ...query, includeEmptyPreview: false });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new InvalidRequestError(error.message, { cause: error });
      throw error;
    }
    const guard = new RolloutPathGuard(this.home);
    if (!page.items.every((row) => guard.usable(row.rolloutPath))) return undefined;
    const items = page.items.map(storedThreadFromRow);
    return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
  }

  /**
   * `skein du` without `--deep`, exactly as `LocalThreadStore.storage().diskUsage` answers it:
   * from the index, with the sizes it recorded (docs/storage-care.md).
   */
  diskUsage(options: { largest?: number } = {}): DiskUsageReport {
    const largest = options.largest ?? 10;
    return reportFromIndexedUsage(this.home, this.#index.indexedUsage(largest), largest);
  }

  close(): void {
    this.#index.close();
  }
}

/**
 * True when opening the store would change the index first: what `catchUp` (local/index-sync.ts)
 * checks on a quick open, without doing any of it. Costs one `stat` per watched folder, one of
 * `session_index.jsonl`, a `readdir` of the lock folder and two meta reads.
 */
async function catchUpDue(home: string, index: ReadOnlyIndex): Promise<boolean> {
  if (index.getMeta(META_HOME_INDEXED_AT) === undefined || index.getMeta(META_MESSAGES_INDEXED_AT) === undefined) return true;
  const root = index.getMeta(META_HOME_ROOT);
  if (root === undefined || !sameHome(root, home)) return true; // moved, copied, or not yet marked
  const seen = index.listMeta(DIR_KEY_PREFIX);
  for (const { dir } of watchedDirPaths(home)) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) continue;
    if (seen.get(dirKey(home, dir)) !== String(Math.trunc(st.mtimeMs))) return true;
  }
  if (readSessionIndexChanges(home, index.getMeta(SESSION_INDEX_KEY)) !== undefined) return true;
  let locks: string[];
  try {
    locks = readdirSync(join(home, LOCKS_SUBDIR));
  } catch {
    return false;
  }
  if (locks.length === 0) return false;
  // A live writer is common (an agent at work) and costs nothing here; only a dead one's lock,
  // not yet caught up with, makes the store re-extract its file. The lock module loads fs-ext.
  const { listWriterLocks, inspectWriterLock } = await import("../local/writer-lock.js");
  for (const lock of listWriterLocks(home)) {
    const state = inspectWriterLock(lock.path);
    if (state.kind === "stale" && index.getMeta(staleLockKey(lock.threadId)) !== state.holder.token) return true;
  }
  return false;
}
