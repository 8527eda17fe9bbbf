import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MigrationNameError, MigrationOrderError } from "../errors.js";

/** One forward-only migration: a numbered `.sql` file, frozen once released. */
export interface Migration {
  /** The number in the file name (`0003_indexing.sql` → 3). Versions run 1, 2, 3… without gaps. */
  readonly version: number;
  /** The file name without `.sql`, e.g. `0003_indexing`; errors name a migration by it. */
  readonly name: string;
  /** The file's text. */
  readonly sql: string;
  /** Hex SHA-256 of the file's exact bytes. */
  readonly checksum: string;
}

/**
 * The migrations that ship with this package. Resolved relative to this module, so it works
 * from `src/migrations/` (tests) and `dist/migrations/` (the published build) alike.
 */
export const DEFAULT_MIGRATIONS_DIR: string = fileURLToPath(new URL("../../migrations/", import.meta.url));

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Reads every `NNNN_name.sql` file in `dir` (default: this package's migrations), sorted by
 * version. Files that do not end in `.sql` are ignored.
 *
 * @throws MigrationNameError when a `.sql` file is not named `NNNN_snake_name.sql`.
 * @throws MigrationOrderError when versions have a gap, a duplicate, or do not start at 1.
 */
export function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = [];
  for (const fileName of readdirSync(dir)) {
    if (!fileName.endsWith(".sql")) continue;
    const match = FILE_NAME.exec(fileName);
    if (!match) throw new MigrationNameError(fileName);
    const bytes = readFileSync(join(dir, fileName));
    migrations.push({
      version: Number(match[1]),
      name: fileName.slice(0, -".sql".length),
      sql: bytes.toString("utf8"),
      checksum: createHash("sha256").update(bytes).digest("hex"),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  assertContiguous(migrations);
  return migrations;
}

/**
 * Checks that versions are exactly 1..n. Also used by `migrate`, so a hand-built list gets the
 * same guarantees as one loaded from disk.
 *
 * @throws MigrationOrderError naming the first offending migration.
 */
export function assertContiguous(migrations: readonly Migration[]): void {
  let expected = 1;
  let previous: Migration | undefined;
  for (const migration of migrations) {
    if (previous && migration.version === previous.version) {
      throw new MigrationOrderError(`duplicate version ${migration.version} (${previous.name}, ${migration.name})`);
    }
    if (migration.version !== expected) {
      const after = previous ? `after ${previous.name}` : "at the start";
      throw new MigrationOrderError(`expected version ${expected} ${after}, found ${migration.name}`);
    }
    previous = migration;
    expected += 1;
  }
}
