/** Codes of every error `@skein/core-session` throws itself (store errors pass through unchanged). */
export type CoreSessionErrorCode =
  | "invalid_session_request"
  | "metadata_update_failed"
  | "unsupported_metadata_update"
  | "session_fatal"
  | "thread_closed"
  | "model_call_failed"
  | "turn_limit_exceeded"
  | "turn_interrupted";

/** Base class of every error this package throws. Store errors (`ThreadStoreError`) are not wrapped. */
export abstract class CoreSessionError extends Error {
  abstract readonly code: CoreSessionErrorCode;
}

/** The caller asked for something malformed (a bad patch, tool list or fork point). */
export class InvalidSessionRequestError extends CoreSessionError {
  override readonly name = "InvalidSessionRequestError";
  readonly code = "invalid_session_request";
  readonly detail: string;
  constructor(detail: string, options?: ErrorOptions) {
    super(`invalid session request: ${detail}`, options);
    this.detail = detail;
  }
}

/**
 * The history of an append was accepted by the store, but the metadata patch derived from it
 * failed. The patch stays pending and is retried on the next append or barrier: do not
 * append the same items again.
 */
export class MetadataUpdateError extends CoreSessionError {
  override readonly name = "MetadataUpdateError";
  readonly code = "metadata_update_failed";
  readonly threadId: string;
  constructor(threadId: string, options?: ErrorOptions) {
    super(`thread ${threadId}: history was accepted but its metadata update failed (${causeText(options)})`, options);
    this.threadId = threadId;
  }
}

/** The store rejected a metadata mutation as unsupported (wording: docs/live-threads.md, "ThreadManager"). */
export class UnsupportedMetadataUpdateError extends CoreSessionError {
  override readonly name = "UnsupportedMetadataUpdateError";
  readonly code = "unsupported_metadata_update";
  readonly operation: string;
  constructor(operation: string, options?: ErrorOptions) {
    super(`thread metadata update is not supported by this store: ${operation}`, options);
    this.operation = operation;
  }
}

/** An unexpected failure during a manager operation; `cause` carries the original error. */
export class SessionFatalError extends CoreSessionError {
  override readonly name = "SessionFatalError";
  readonly code = "session_fatal";
  readonly context: string;
  constructor(context: string, options?: ErrorOptions) {
    super(`${context}: ${causeText(options)}`, options);
    this.context = context;
  }
}

/** The thread's live handle was shut down or discarded; it accepts no more writes. */
export class ThreadClosedError extends CoreSessionError {
  override readonly name = "ThreadClosedError";
  readonly code = "thread_closed";
  readonly threadId: string;
  constructor(threadId: string, options?: ErrorOptions) {
    super(`thread ${threadId} is closed`, options);
    this.threadId = threadId;
  }
}

/** The model client failed during a turn. The turn is recorded as aborted before this is thrown. */
export class ModelCallError extends CoreSessionError {
  override readonly name = "ModelCallError";
  readonly code = "model_call_failed";
  readonly turnId: string;
  constructor(turnId: string, options?: ErrorOptions) {
    super(`model call failed in turn ${turnId}: ${causeText(options)}`, options);
    this.turnId = turnId;
  }
}

/** The model kept calling tools past the turn's limit of model calls. */
export class TurnLimitExceededError extends CoreSessionError {
  override readonly name = "TurnLimitExceededError";
  readonly code = "turn_limit_exceeded";
  readonly turnId: string;
  readonly limit: number;
  constructor(turnId: string, limit: number, options?: ErrorOptions) {
    super(`turn ${turnId} exceeded ${limit} model calls`, options);
    this.turnId = turnId;
    this.limit = limit;
  }
}

/**
 * The turn's `AbortSignal` fired. The turn is recorded as interrupted (as Codex records an
 * interrupt) before this is thrown; `cause` is the signal's reason.
 */
export class TurnInterruptedError extends CoreSessionError {
  override readonly name = "TurnInterruptedError";
  readonly code = "turn_interrupted";
  readonly turnId: string;
  constructor(turnId: string, options?: ErrorOptions) {
    super(`turn ${turnId} was interrupted`, options);
    this.turnId = turnId;
  }
}

const CODES = new Set<string>([
  "invalid_session_request",
  "metadata_update_failed",
  "unsupported_metadata_update",
  "session_fatal",
  "thread_closed",
  "model_call_failed",
  "turn_limit_exceeded",
  "turn_interrupted",
]);

/** True for any error of this package, even one from another copy of it. */
export function isCoreSessionError(error: unknown): error is CoreSessionError {
  if (error instanceof CoreSessionError) return true;
  const code = error instanceof Error ? (error as unknown as { code?: unknown }).code : undefined;
  return typeof code === "string" && CODES.has(code);
}

function causeText(options: ErrorOptions | undefined): string {
  const cause = options?.cause;
  if (cause instanceof Error) return cause.message;
  return cause === undefined ? "unknown error" : String(cause);
}
