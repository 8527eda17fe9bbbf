/** Codes of the errors this package throws outside the `ThreadStore` methods. */
export type PostgresStoreErrorCode =
  | "migration_checksum"
  | "migration_order"
  | "migration_load"
  | "invalid_options";

/**
 * Base class of the errors `PostgresThreadStore.open` and the migration functions throw.
 * `ThreadStore` methods themselves reject only with `@skein/thread-store` errors.
 */
export abstract class PostgresStoreError extends Error {
  abstract readonly code: PostgresStoreErrorCode;
}

/** A migration that was already applied no longer has the same bytes (someone edited a frozen file). */
export class MigrationChecksumError extends PostgresStoreError {
  override readonly name = "MigrationChecksumError";
  readonly code = "migration_checksum";
  /** `0001_threads`: the migration's file name without `.sql`. */
  readonly migration: string;
  constructor(migration: string, options?: ErrorOptions) {
    super(`migration ${migration} changed after it was applied`, options);
    this.migration = migration;
  }
}

/** A known migration is pending below one that is already applied: the database was edited by hand. */
export class MigrationOrderError extends PostgresStoreError {
  override readonly name = "MigrationOrderError";
  readonly code = "migration_order";
  readonly migration: string;
  readonly appliedVersion: number;
  constructor(migration: string, appliedVersion: number, options?: ErrorOptions) {
    super(`migration ${migration} is pending below applied version ${appliedVersion}`, options);
    this.migration = migration;
    this.appliedVersion = appliedVersion;
  }
}

/** The migration files themselves are wrong: a bad name, a gap or a duplicate version. */
export class MigrationLoadError extends PostgresStoreError {
  override readonly name = "MigrationLoadError";
  readonly code = "migration_load";
  readonly detail: string;
  constructor(detail: string, options?: ErrorOptions) {
    super(`cannot load migrations: ${detail}`, options);
    this.detail = detail;
  }
}

/** `PostgresThreadStore.open` was given options it cannot use. */
export class InvalidOptionsError extends PostgresStoreError {
  override readonly name = "InvalidOptionsError";
  readonly code = "invalid_options";
  readonly detail: string;
  constructor(detail: string, options?: ErrorOptions) {
    super(`invalid postgres thread-store options: ${detail}`, options);
    this.detail = detail;
  }
}
