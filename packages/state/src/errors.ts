/** Codes of every error `@skein/state` throws. */
export type StateErrorCode =
  | "migration_checksum"
  | "migration_order"
  | "migration_name"
  | "migration_failed"
  | "invalid_cursor"
  | "invalid_argument"
  | "state_db_corrupt"
  | "state_db_closed";

/** Base class of every error `@skein/state` throws. */
export abstract class StateError extends Error {
  abstract readonly code: StateErrorCode;
}

/** A migration that was already applied has different bytes now than when it was applied. */
export class MigrationChecksumError extends StateError {
  override readonly name = "MigrationChecksumError";
  readonly code = "migration_checksum";
  /** The migration's file name without `.sql`, e.g. `0003_indexing`. */
  readonly migration: string;
  readonly expectedChecksum: string;
  readonly actualChecksum: string;
  constructor(migration: string, expectedChecksum: string, actualChecksum: string, options?: ErrorOptions) {
    super(`migration ${migration} changed after it was applied`, options);
    this.migration = migration;
    this.expectedChecksum = expectedChecksum;
    this.actualChecksum = actualChecksum;
  }
}

/** The migration list has a gap or a duplicate, or a pending migration sorts below an applied one. */
export class MigrationOrderError extends StateError {
  override readonly name = "MigrationOrderError";
  readonly code = "migration_order";
  readonly detail: string;
  constructor(detail: string, options?: ErrorOptions) {
    super(`invalid migration order: ${detail}`, options);
    this.detail = detail;
  }
}

/** A `.sql` file in the migrations directory is not named `NNNN_snake_name.sql`. */
export class MigrationNameError extends StateError {
  override readonly name = "MigrationNameError";
  readonly code = "migration_name";
  readonly fileName: string;
  constructor(fileName: string, options?: ErrorOptions) {
    super(`invalid migration file name ${JSON.stringify(fileName)}: expected NNNN_name.sql`, options);
    this.fileName = fileName;
  }
}

/** A migration's SQL failed; its transaction was rolled back, so nothing of it remains. */
export class MigrationFailedError extends StateError {
  override readonly name = "MigrationFailedError";
  readonly code = "migration_failed";
  readonly migration: string;
  constructor(migration: string, options?: ErrorOptions) {
    super(`migration ${migration} failed`, options);
    this.migration = migration;
  }
}

/** A list or search cursor is malformed, tampered with, or belongs to another query. */
export class InvalidCursorError extends StateError {
  override readonly name = "InvalidCursorError";
  readonly code = "invalid_cursor";
  readonly reason: string;
  constructor(reason: string, options?: ErrorOptions) {
    super(`invalid cursor: ${reason}`, options);
    this.reason = reason;
  }
}

/** A caller passed a value outside a method's contract (page size, row shape, patch shape). */
export class InvalidArgumentError extends StateError {
  override readonly name = "InvalidArgumentError";
  readonly code = "invalid_argument";
  readonly argument: string;
  readonly detail: string;
  constructor(argument: string, detail: string, options?: ErrorOptions) {
    super(`invalid ${argument}: ${detail}`, options);
    this.argument = argument;
    this.detail = detail;
  }
}

/** The database file is not a SQLite database or fails its integrity check. */
export class StateDbCorruptError extends StateError {
  override readonly name = "StateDbCorruptError";
  readonly code = "state_db_corrupt";
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`state database ${path} is corrupt: ${reason}`, options);
    this.path = path;
    this.reason = reason;
  }
}

/** A method was called on a `StateDb` handle after `close()`. */
export class StateDbClosedError extends StateError {
  override readonly name = "StateDbClosedError";
  readonly code = "state_db_closed";
  readonly path: string;
  constructor(path: string, options?: ErrorOptions) {
    super(`state database ${path} is closed`, options);
    this.path = path;
  }
}

const CODES: ReadonlySet<string> = new Set<StateErrorCode>([
  "migration_checksum",
  "migration_order",
  "migration_name",
  "migration_failed",
  "invalid_cursor",
  "invalid_argument",
  "state_db_corrupt",
  "state_db_closed",
]);

/**
 * True for any error thrown by `@skein/state`. Checks `code` as well as the class, so it still
 * works when two copies of the package are installed.
 */
export function isStateError(error: unknown): error is StateError {
  if (error instanceof StateError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && CODES.has(code) && error.name.endsWith("Error");
}
