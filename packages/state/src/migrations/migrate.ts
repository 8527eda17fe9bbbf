import type Database from "better-sqlite3";
import { MigrationChecksumError, MigrationFailedError, MigrationOrderError, isStateError } from "../errors.js";
import { assertContiguous, type Migration } from "./load-migrations.js";

/** What `migrate` did. */
export interface MigrationReport {
  /** Versions this call applied, in order. Empty when the database was already current. */
  readonly applied: number[];
  /**
   * Versions recorded in the database that this build does not know: a newer Skein migrated
   * the file. They are ignored, never an error, so an older build keeps working on it.
   */
  readonly ignored: number[];
}

/** The table `migrate` alone writes. Exported for tests and diagnostics. */
export const MIGRATIONS_TABLE = "skein_migrations";

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at_ms INTEGER NOT NULL
)`;

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Applies pending migrations in version order, each in its own `BEGIN IMMEDIATE` transaction
 * that re-reads the applied row first: when two processes start together, `busy_timeout`
 * serializes them and the loser finds the row and does nothing. Known applied migrations are
 * checksum-verified; applied versions this build does not know are reported in `ignored`.
 * A failed migration rolls back completely (SQLite DDL is transactional).
 *
 * @throws MigrationChecksumError when a known applied migration's bytes changed.
 * @throws MigrationOrderError when the list is not 1..n, or a pending migration is older than
 *   an applied one (the database came from a build with a different migration history).
 * @throws MigrationFailedError wrapping the SQLite error of a migration that failed.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[],
  now: () => number = Date.now,
): MigrationReport {
  assertContiguous(migrations);
  // Reads first: opening a current database must not take the write lock (another process
  // may hold it for a while). Only pending migrations start an IMMEDIATE transaction.
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(MIGRATIONS_TABLE);
  if (!hasTable) db.exec(CREATE_MIGRATIONS_TABLE);
  const selectApplied = db.prepare<[number], AppliedRow>(
    `SELECT version, name, checksum FROM ${MIGRATIONS_TABLE} WHERE version = ?`,
  );
  const selectMaxApplied = db.prepare<[], { max: number | null }>(`SELECT MAX(version) AS max FROM ${MIGRATIONS_TABLE}`);
  const insertApplied = db.prepare(
    `INSERT INTO ${MIGRATIONS_TABLE} (version, name, checksum, applied_at_ms) VALUES (?, ?, ?, ?)`,
  );
  const alreadyApplied = (migration: Migration): boolean => {
    const row = selectApplied.get(migration.version);
    if (row && row.checksum !== migration.checksum) {
      throw new MigrationChecksumError(migration.name, row.checksum, migration.checksum);
    }
    return row !== undefined;
  };

  const applied: number[] = [];
  for (const migration of migrations) {
    if (alreadyApplied(migration)) continue;
    const ran = db
      .transaction((): boolean => {
        // Re-read inside the transaction: a process that started with us may have won.
        if (alreadyApplied(migration)) return false;
        const maxApplied = selectMaxApplied.get()?.max ?? 0;
        if (maxApplied > migration.version) {
          throw new MigrationOrderError(
            `${migration.name} is pending but version ${maxApplied} is already applied`,
          );
        }
        try {
          db.exec(migration.sql);
        } catch (error) {
          if (isStateError(error)) throw error;
          throw new MigrationFailedError(migration.name, { cause: error });
        }
        insertApplied.run(migration.version, migration.name, migration.checksum, now());
        return true;
      })
      .immediate();
    if (ran) applied.push(migration.version);
  }

  const known = new Set(migrations.map((m) => m.version));
  const ignored = db
    .prepare<[], { version: number }>(`SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`)
    .all()
    .map((r) => r.version)
    .filter((v) => !known.has(v));
  return { applied, ignored };
}
