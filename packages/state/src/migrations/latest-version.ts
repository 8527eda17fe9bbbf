/**
 * The highest migration version this build ships (`migrations/NNNN_*.sql`). The read-only path
 * (read-only.ts) answers only from a database migrated at least this far, without loading the
 * migration files; a test keeps it equal to the last file. Adding a migration: bump it.
 */
export const LATEST_MIGRATION_VERSION = 6;
