import type { Pool, PoolClient } from "pg";
import { MigrationChecksumError, MigrationOrderError } from "../errors.js";
import type { Migration } from "./load-migrations.js";
import { quoteIdent } from "../internal/sql.js";

/** What {@link migrate} did. */
export interface MigrationReport {
  /** Versions this call applied. */
  applied: number[];
  /** Applied versions this code does not know (a newer Skein applied them): ignored, never an error. */
  ignored: number[];
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Applies pending migrations to `schema`, each in its own transaction that first takes
 * `pg_advisory_xact_lock` for the schema and then re-reads the applied rows, so many
 * processes may start at once: the first applies, the others wait and find nothing to do.
 * The schema and the `skein_migrations` table are created when missing.
 *
 * @throws MigrationChecksumError `migration <name> changed after it was applied`
 * @throws MigrationOrderError when a known migration is pending below an applied one
 */
export async function migrate(pool: Pool, schema: string, migrations: readonly Migration[]): Promise<MigrationReport> {
  const applied: number[] = [];
  let ignored: number[] = [];
  const client = await pool.connect();
  try {
    // One pass per migration, plus one to bootstrap and to report on an up-to-date database.
    for (let i = 0; i <= migrations.length; i++) {
      const step = await inLockedTransaction(client, schema, async () => {
        const rows = await appliedRows(client);
        ignored = verify(rows, migrations);
        const done = new Set(rows.map((r) => r.version));
        const next = migrations.find((m) => !done.has(m.version));
        if (!next) return "done" as const;
        await client.query(next.sql);
        await client.query(
          "INSERT INTO skein_migrations (version, name, checksum, applied_at_ms) VALUES ($1, $2, $3, $4)",
          [next.version, next.name, next.checksum, Date.now()],
        );
        applied.push(next.version);
        return "applied" as const;
      });
      if (step === "done") break;
    }
  } finally {
    client.release();
  }
  return { applied, ignored };
}

/** Advisory-lock key of a schema's migrations (stable across processes and versions). */
export function migrationLockKey(schema: string): string {
  return `skein-migrations:${schema}`;
}

async function inLockedTransaction<T>(client: PoolClient, schema: string, body: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [migrationLockKey(schema)]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS skein_migrations (
         version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at_ms bigint NOT NULL)`,
    );
    const result = await body();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

async function appliedRows(client: PoolClient): Promise<AppliedRow[]> {
  const { rows } = await client.query<AppliedRow>("SELECT version, name, checksum FROM skein_migrations ORDER BY version");
  return rows;
}

/** Checks applied rows against known migrations; returns the unknown (newer) applied versions. */
function verify(rows: readonly AppliedRow[], migrations: readonly Migration[]): number[] {
  const known = new Map(migrations.map((m) => [m.version, m]));
  const ignored: number[] = [];
  let highestKnownApplied = 0;
  for (const row of rows) {
    const migration = known.get(row.version);
    if (!migration) {
      ignored.push(row.version);
      continue;
    }
    if (migration.checksum !== row.checksum) throw new MigrationChecksumError(migration.name);
    highestKnownApplied = Math.max(highestKnownApplied, row.version);
  }
  const done = new Set(rows.map((r) => r.version));
  const pendingBelow = migrations.find((m) => !done.has(m.version) && m.version < highestKnownApplied);
  if (pendingBelow) throw new MigrationOrderError(pendingBelow.name, highestKnownApplied);
  return ignored;
}
