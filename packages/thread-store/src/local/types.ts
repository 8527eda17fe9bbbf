import type { RolloutLine, StoredThread, ThreadId } from "@skein/protocol";
import type { CodexSyncReport } from "../codex-index/codex-index-sync.js";

/** Which index backs reads and lists: the SQLite state DB, or none (files only). */
export type LocalIndexMode = "sqlite" | "none";

/**
 * How much `LocalThreadStore.open` reconciles the index with the files before returning.
 * - `quick` (default): stale writer locks, changed day directories, changed `session_index.jsonl`.
 *   A never-indexed home gets one full incremental index instead.
 * - `full`: `reindex()` over every file (only changed files are re-extracted).
 * - `none`: trust the index as it is.
 */
export type CatchUpMode = "quick" | "full" | "none";

/** Options of {@link LocalThreadStore.open}. Every path is absolute. */
export interface LocalThreadStoreOptions {
  /** The Codex-compatible home (`~/.codex` layout): `sessions/`, `archived_sessions/`, `session_index.jsonl`. */
  home: string;
  /** Default `sqlite`. With `none` (or when SQLite cannot be used at all) every answer comes from the files. */
  index?: LocalIndexMode;
  /** Skein's index DB. Default `<home>/skein_state_1.sqlite`. Codex's `state_5.sqlite` is never touched. */
  stateDbPath?: string;
  /** SQLite journal mode. Default `wal`. */
  journalMode?: "wal" | "delete";
  /** Provider reported for threads whose metadata has none. Default `openai`. */
  defaultModelProvider?: string;
  /** Fsync rollout writes (slower; survives power loss, not only process crashes). Default false. */
  fsync?: boolean;
  /** Catch-up on open. Default `quick`. */
  catchUp?: CatchUpMode;
  /** Clock (epoch ms), injected by tests. */
  now?: () => number;
  /**
   * Keep Codex's own index (`state_5.sqlite`, when the home has one) in step with archive,
   * unarchive, rename and delete, as Codex itself would change it. Default true. See
   * docs/codex-home-sync.md for exactly what is written.
   */
  codexSync?: boolean;
  /** Called after each attempt to update Codex's index (to warn about an unknown schema or a failure). */
  onCodexSync?: (report: CodexSyncReport) => void;
}

/** What kind of progress event {@link ReindexOptions.onProgress} receives. */
export interface ReindexProgress {
  /** Files looked at so far. */
  scanned: number;
  /** Files found in total (known once the walk is done). */
  total: number;
  /** Files re-extracted so far. */
  indexed: number;
  /** The file being handled. */
  path?: string;
}

/** Options of {@link LocalThreadStore.reindex}. */
export interface ReindexOptions {
  /** Re-extract every file, even those whose size and mtime are unchanged. */
  full?: boolean;
  /** Stops between batches; the batches already committed stay. */
  signal?: AbortSignal;
  onProgress?: (progress: ReindexProgress) => void;
}

/** One file a reindex could not use. The file is kept and reported, never dropped silently. */
export interface ReindexProblem {
  path: string;
  threadId?: ThreadId;
  reason: string;
}

/** What {@link LocalThreadStore.reindex} did. */
export interface ReindexReport {
  /** Rollout files found. */
  scanned: number;
  /** Files re-extracted into the index (added + changed). */
  indexed: number;
  /** Threads new to the index. */
  added: number;
  /** Known files whose size or mtime changed. */
  changed: number;
  /** Files skipped because size and mtime matched the index. */
  unchanged: number;
  /** Files that could not be read or extracted (see `problems`). */
  unreadable: number;
  /** Index rows whose file vanished (removed from the index; the files were already gone). */
  removed: number;
  /** Worker threads that extracted besides the calling thread (0: all in-process; docs/state-index.md). */
  extractionWorkers?: number;
  durationMs: number;
  problems: ReindexProblem[];
}

/** The kinds of problem {@link LocalThreadStore.checkHome} reports. */
export type HomeProblemKind =
  | "missing_file"
  | "unindexed_file"
  | "stale_row"
  | "torn_tail"
  | "unreadable_lines"
  | "unreadable_file"
  | "stale_lock"
  | "live_lock"
  | "db_corrupt"
  | "db_unavailable"
  /** The index was unusable when the store opened: moved aside and rebuilt (reported by `skein doctor`). */
  | "db_recovered"
  /** A 0-byte rollout (a kill before its first write): the thread was never materialized. */
  | "empty_rollout"
  /** A `rollout-compress-*.tmp` / `rollout-decompress-*.tmp` left by a killed compress or decompress (found by `skein doctor`). */
  | "stale_temp_file"
  | "session_index_unreadable_lines";

/** One finding of {@link LocalThreadStore.checkHome}, with the action that repairs it. */
export interface HomeProblem {
  kind: HomeProblemKind;
  threadId?: ThreadId;
  path?: string;
  /** What is wrong, e.g. `3 unreadable lines at bytes 120, 4077, 9001`. */
  detail: string;
  /** The command or action that repairs it, e.g. `skein reindex`. */
  fix: string;
}

/** Result of {@link LocalThreadStore.checkHome} (the data behind `skein doctor`). */
export interface HomeCheckReport {
  /** True when no problem was found (live locks held by running processes are informational). */
  ok: boolean;
  problems: HomeProblem[];
  counts: {
    /** Rollout files on disk (active + archived). */
    files: number;
    activeFiles: number;
    archivedFiles: number;
    /** Rows in the index (0 without an index). */
    indexedThreads: number;
    /** Writer locks found. */
    locks: number;
  };
}

/** Holder of a writer lock, as written to `<home>/.skein/locks/<threadId>.lock`. */
export interface WriterLockHolder {
  pid: number;
  hostname: string;
  startedAtMs: number;
  token: string;
}

/** One line of {@link ImportThreadParams.lines}: the parsed line and, when known, its exact text. */
export interface ImportLine {
  line: RolloutLine;
  /** The exact stored JSON text (no newline). Written as is; absent: `JSON.stringify(line)`. */
  raw?: string;
}

/** Params of `LocalThreadStore.importThread` (the shape `copyThreads` of @skein/thread-store-postgres passes). */
export interface ImportThreadParams {
  /** The summary as the source store reports it (times, name, archived flag, every field). */
  thread: StoredThread;
  /** The full history, first line first; for a fork, the inherited prefix first, as `loadHistory` returns it. */
  lines: readonly ImportLine[];
}

/** Params of `LocalThreadStore.loadRawHistory`. */
export interface LoadRawHistoryParams {
  threadId: ThreadId;
  /** Default false: an archived thread is rejected, as `loadHistory` does. */
  includeArchived?: boolean;
}
