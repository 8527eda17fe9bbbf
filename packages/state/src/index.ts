export { StateDb, META_LAST_FULL_REINDEX_AT, type StateDbOptions, type OpenOrRecoverResult } from "./state-db.js";
export type { ConnectionOptions } from "./internal/open-connection.js";
export type { RecoveredDb } from "./internal/recover.js";
export { withNativeBinding, sqliteNativeBinding, type SqliteNativeBinding } from "./internal/native-binding.js";
export type { MarkArchivedParams, MarkUnarchivedParams } from "./internal/threads.js";
export type { MovedRollout } from "./internal/moved-rollouts.js";
export { ThreadRow, ThreadRowInput } from "./thread-row.js";
export { readThreadLabels, LABEL_PREVIEW_CHARS, type ThreadLabel } from "./thread-labels.js";
export { ListThreadsParams, ThreadSortKey, type ThreadPage } from "./list-threads.js";
export { SearchThreadsParams, ftsQueryOf, type ThreadSearchHit, type ThreadSearchPage } from "./search-threads.js";
export {
  SearchMessagesParams,
  ftsMatchOf,
  type ContentSearchPage,
  type ThreadContentHit,
  type MessageHit,
  type MessageHitRole,
} from "./search-messages.js";
export { MessageInput, ThreadMessagesInput, MESSAGE_ID_SPAN, type MessageState } from "./thread-messages.js";
export { IndexedFile, IndexedFileInput, IndexedFileStatus, type IndexedFileStamp } from "./indexed-file.js";
export type { Lease } from "./lease.js";
export { loadMigrations, DEFAULT_MIGRATIONS_DIR, type Migration } from "./migrations/load-migrations.js";
export { readMigrationFiles, checkMigrationSequence, type MigrationListProblem } from "./migrations/migration-files.js";
export { migrate, MIGRATIONS_TABLE, type MigrationReport } from "./migrations/migrate.js";
export {
  StateError,
  MigrationChecksumError,
  MigrationOrderError,
  MigrationNameError,
  MigrationFailedError,
  InvalidCursorError,
  InvalidArgumentError,
  StateDbCorruptError,
  StateDbClosedError,
  isStateError,
  type StateErrorCode,
} from "./errors.js";
export type { StorageRow } from "./storage-rows.js";
export type { IndexedUsage, UsageCell, UsageThread } from "./usage-query.js";
