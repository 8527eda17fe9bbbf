/** Every `code` a {@link RolloutError} can carry. */
export type RolloutErrorCode =
  | "empty_rollout"
  | "rollout_not_found"
  | "invalid_thread_id"
  | "invalid_rollout_file_name"
  | "missing_session_meta"
  | "missing_fork_parent"
  | "fork_cycle"
  | "rollout_write"
  | "recorder_closed"
  | "path_outside_home"
  | "corrupt_compressed_rollout"
  | "read_only_rollout"
  | "invalid_raw_item";

/** Base class of every error `@skein/rollout` throws. */
export abstract class RolloutError extends Error {
  abstract readonly code: RolloutErrorCode;
}

/** A rollout file holds no non-blank line (Codex: "empty session file"). */
export class EmptyRolloutError extends RolloutError {
  override readonly name = "EmptyRolloutError";
  readonly code = "empty_rollout";
  readonly path: string;
  constructor(path: string, options?: ErrorOptions) {
    super(`empty session file: ${path}`, options);
    this.path = path;
  }
}

/** A rollout file (or the file of a thread id) does not exist. */
export class RolloutNotFoundError extends RolloutError {
  override readonly name = "RolloutNotFoundError";
  readonly code = "rollout_not_found";
  readonly path: string;
  constructor(path: string, options?: ErrorOptions) {
    super(`rollout not found: ${path}`, options);
    this.path = path;
  }
}

/** A string that should be a thread id is not a UUID. Checked before any path is built from it. */
export class InvalidThreadIdError extends RolloutError {
  override readonly name = "InvalidThreadIdError";
  readonly code = "invalid_thread_id";
  readonly threadId: string;
  constructor(threadId: string, options?: ErrorOptions) {
    super(`invalid thread id: ${JSON.stringify(threadId)}`, options);
    this.threadId = threadId;
  }
}

/** A file name is not `rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl[.zst]`. */
export class InvalidRolloutFileNameError extends RolloutError {
  override readonly name = "InvalidRolloutFileNameError";
  readonly code = "invalid_rollout_file_name";
  readonly path: string;
  constructor(path: string, options?: ErrorOptions) {
    super(`not a rollout file name with a timestamp: ${path}`, options);
    this.path = path;
  }
}

/** A rollout's first record is not a valid `session_meta`. */
export class MissingSessionMetaError extends RolloutError {
  override readonly name = "MissingSessionMetaError";
  readonly code = "missing_session_meta";
  readonly path: string;
  constructor(path: string, options?: ErrorOptions) {
    super(`rollout ${path} does not start with session metadata`, options);
    this.path = path;
  }
}

/** A paginated fork's `history_base` names a parent thread whose rollout cannot be found. */
export class MissingForkParentError extends RolloutError {
  override readonly name = "MissingForkParentError";
  readonly code = "missing_fork_parent";
  readonly threadId: string;
  readonly parentThreadId: string;
  constructor(threadId: string, parentThreadId: string, options?: ErrorOptions) {
    super(`fork ${threadId} references missing parent thread ${parentThreadId}`, options);
    this.threadId = threadId;
    this.parentThreadId = parentThreadId;
  }
}

/** Following `history_base` links loops back or goes deeper than the guard allows. */
export class ForkCycleError extends RolloutError {
  override readonly name = "ForkCycleError";
  readonly code = "fork_cycle";
  readonly threadIds: readonly string[];
  constructor(threadIds: readonly string[], options?: ErrorOptions) {
    super(`fork history cycle or depth limit: ${threadIds.join(" -> ")}`, options);
    this.threadIds = threadIds;
  }
}

/** Writing to a rollout failed, after one reopen-and-retry. Unwritten items stay queued. */
export class RolloutWriteError extends RolloutError {
  override readonly name = "RolloutWriteError";
  readonly code = "rollout_write";
  readonly path: string;
  constructor(path: string, options?: ErrorOptions) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`failed to write rollout ${path}${reason}`, options);
    this.path = path;
  }
}

/** A recorder was used after `shutdown()` or `discard()`. */
export class RolloutRecorderClosedError extends RolloutError {
  override readonly name = "RolloutRecorderClosedError";
  readonly code = "recorder_closed";
  readonly threadId: string;
  constructor(threadId: string, options?: ErrorOptions) {
    super(`rollout recorder for thread ${threadId} is closed`, options);
    this.threadId = threadId;
  }
}

/** A path (or the target of a symlink) lies outside the Codex home. Never followed. */
export class PathOutsideHomeError extends RolloutError {
  override readonly name = "PathOutsideHomeError";
  readonly code = "path_outside_home";
  readonly path: string;
  readonly home: string;
  constructor(path: string, home: string, options?: ErrorOptions) {
    super(`path ${path} resolves outside home ${home}`, options);
    this.path = path;
    this.home = home;
  }
}

/** A `.jsonl.zst` rollout is not valid zstd (damaged, truncated, or not zstd at all). */
export class CorruptCompressedRolloutError extends RolloutError {
  override readonly name = "CorruptCompressedRolloutError";
  readonly code = "corrupt_compressed_rollout";
  readonly path: string;
  constructor(path: string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`compressed rollout ${path} cannot be decompressed${why}`, options);
    this.path = path;
  }
}

/**
 * A rollout of a generation Skein reads but does not write to (the 2025 generation: a bare
 * header line, then bare response items). Appending to it would mix two formats in one file.
 */
export class ReadOnlyRolloutError extends RolloutError {
  override readonly name = "ReadOnlyRolloutError";
  readonly code = "read_only_rollout";
  readonly path: string;
  readonly generation: string;
  constructor(path: string, generation: string, options?: ErrorOptions) {
    super(
      `rollout ${path} is of the ${generation} generation, which is read-only: fork it (skein fork) to continue the conversation in a new thread`,
      options,
    );
    this.path = path;
    this.generation = generation;
  }
}

/** A raw item (payload as JSON text) is malformed: nothing of its batch was written. */
export class InvalidRawRolloutItemError extends RolloutError {
  override readonly name = "InvalidRawRolloutItemError";
  readonly code = "invalid_raw_item";
  /** Index of the bad item in the batch. */
  readonly index: number;
  constructor(index: number, reason: string, options?: ErrorOptions) {
    super(`invalid raw item [${index}]: ${reason}`, options);
    this.index = index;
  }
}

const CODES: ReadonlySet<string> = new Set<RolloutErrorCode>([
  "empty_rollout",
  "rollout_not_found",
  "invalid_thread_id",
  "invalid_rollout_file_name",
  "missing_session_meta",
  "missing_fork_parent",
  "fork_cycle",
  "rollout_write",
  "recorder_closed",
  "path_outside_home",
  "corrupt_compressed_rollout",
  "read_only_rollout",
  "invalid_raw_item",
]);

/** True for any {@link RolloutError}, even from another copy of this package (checks `code`). */
export function isRolloutError(value: unknown): value is RolloutError {
  if (value instanceof RolloutError) return true;
  const code = value instanceof Error ? (value as { code?: unknown }).code : undefined;
  return typeof code === "string" && CODES.has(code);
}
