/** Codes of every error a ThreadStore method rejects with. */
export type ThreadStoreErrorCode =
  | "thread_not_found"
  | "invalid_request"
  | "conflict"
  | "unsupported"
  | "internal";

/** Base class of every error a ThreadStore method rejects with. */
export abstract class ThreadStoreError extends Error {
  abstract readonly code: ThreadStoreErrorCode;
}

/** The thread does not exist (or is not visible with the given options). */
export class ThreadNotFoundError extends ThreadStoreError {
  override readonly name = "ThreadNotFoundError";
  readonly code = "thread_not_found";
  readonly threadId: string;
  constructor(threadId: string, options?: ErrorOptions) {
    super(`thread ${threadId} not found`, options);
    this.threadId = threadId;
  }
}

/** The caller asked for something malformed or impossible. */
export class InvalidRequestError extends ThreadStoreError {
  override readonly name = "InvalidRequestError";
  readonly code = "invalid_request";
  readonly detail: string;
  constructor(detail: string, options?: ErrorOptions) {
    super(`invalid thread-store request: ${detail}`, options);
    this.detail = detail;
  }
}

/** Another writer holds the thread, or state changed under the caller. */
export class ConflictError extends ThreadStoreError {
  override readonly name = "ConflictError";
  readonly code = "conflict";
  readonly detail: string;
  /** When known: who holds the writer lock (`pid@host`). */
  readonly holder: string | undefined;
  constructor(detail: string, options?: ErrorOptions & { holder?: string }) {
    super(`thread-store conflict: ${detail}`, options);
    this.detail = detail;
    this.holder = options?.holder;
  }
}

/** The store does not implement an optional operation. `operation` is a stable name. */
export class UnsupportedOperationError extends ThreadStoreError {
  override readonly name = "UnsupportedOperationError";
  readonly code = "unsupported";
  readonly operation: string;
  constructor(operation: string, options?: ErrorOptions) {
    super(`thread-store unsupported operation: ${operation}`, options);
    this.operation = operation;
  }
}

/** Something failed inside the store (I/O, database). `cause` carries the original error. */
export class InternalError extends ThreadStoreError {
  override readonly name = "InternalError";
  readonly code = "internal";
  readonly detail: string;
  constructor(detail: string, options?: ErrorOptions) {
    super(`thread-store internal error: ${detail}`, options);
    this.detail = detail;
  }
}

const CODES = new Set<string>(["thread_not_found", "invalid_request", "conflict", "unsupported", "internal"]);

/** True for any ThreadStoreError, even one from another copy of this package. */
export function isThreadStoreError(error: unknown): error is ThreadStoreError {
  if (error instanceof ThreadStoreError) return true;
  const code = error instanceof Error ? (error as unknown as { code?: unknown }).code : undefined;
  return typeof code === "string" && CODES.has(code);
}
