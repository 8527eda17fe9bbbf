export {
  PostgresThreadStore,
  DEFAULT_SCHEMA,
  DEFAULT_LEASE_TTL_MS,
  type PostgresThreadStoreOptions,
  type ForkThreadParams,
  type ImportThreadParams,
  type ImportLine,
} from "./postgres-thread-store.js";
export {
  copyThreads,
  patchOf,
  type CopyThreadsParams,
  type CopyThreadsProgress,
  type CopyThreadsResult,
  type ThreadImporter,
  type RawHistorySource,
  type ThreadIdSource,
} from "./copy-threads.js";
export { loadMigrations, DEFAULT_MIGRATIONS_DIR, type Migration } from "./migrations/load-migrations.js";
export { migrate, type MigrationReport } from "./migrations/migrate.js";
export {
  PostgresStoreError,
  type PostgresStoreErrorCode,
  MigrationChecksumError,
  MigrationOrderError,
  MigrationLoadError,
  InvalidOptionsError,
} from "./errors.js";
