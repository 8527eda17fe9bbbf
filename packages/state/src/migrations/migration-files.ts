import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// Reading a folder of numbered `.sql` migrations, shared by the SQLite index (this package) and
// the PostgreSQL store: each names its own errors through `fail`. See docs/state-index.md
// ("Migrations").

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

/** What is wrong with a migration list, for the caller to turn into its own error. */
export type MigrationListProblem =
  | { kind: "bad-name"; fileName: string }
  | { kind: "duplicate"; version: number; first: string; second: string }
  | { kind: "gap"; expected: number; previous: string | undefined; found: string };

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Every `NNNN_snake_name.sql` file of `dir`, sorted by version, checked to run 1..n (files not
 * ending in `.sql` are ignored). A misnamed file or a broken sequence throws `fail(problem)`;
 * an unreadable folder or file throws the file system's error.
 */
export function readMigrationFiles(dir: string, fail: (problem: MigrationListProblem) => Error): Migration[] {
  const migrations: Migration[] = [];
  for (const fileName of readdirSync(dir)) {
    if (!fileName.endsWith(".sql")) continue;
    const match = FILE_NAME.exec(fileName);
    if (!match) throw fail({ kind: "bad-name", fileName });
    const bytes = readFileSync(join(dir, fileName));
    migrations.push({
      version: Number(match[1]),
      name: fileName.slice(0, -".sql".length),
      sql: bytes.toString("utf8"),
      checksum: createHash("sha256").update(bytes).digest("hex"),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  checkMigrationSequence(migrations, fail);
  return migrations;
}

/** Throws `fail(problem)` for the first duplicate or missing version unless versions are exactly 1..n. */
export function checkMigrationSequence(migrations: readonly Migration[], fail: (problem: MigrationListProblem) => Error): void {
  let previous: Migration | undefined;
  let expected = 1;
  for (const migration of migrations) {
    if (previous && migration.version === previous.version) {
      throw fail({ kind: "duplicate", version: migration.version, first: previous.name, second: migration.name });
    }
    if (migration.version !== expected) throw fail({ kind: "gap", expected, previous: previous?.name, found: migration.name });
    previous = migration;
    expected += 1;
  }
}
