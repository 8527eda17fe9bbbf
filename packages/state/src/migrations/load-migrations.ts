import { fileURLToPath } from "node:url";
import { MigrationNameError, MigrationOrderError } from "../errors.js";
import { checkMigrationSequence, readMigrationFiles, type Migration, type MigrationListProblem } from "./migration-files.js";

export type { Migration } from "./migration-files.js";

/**
 * The migrations that ship with this package. Resolved relative to this module, so it works
 * from `src/migrations/` (tests) and `dist/migrations/` (the published build) alike.
 */
export const DEFAULT_MIGRATIONS_DIR: string = fileURLToPath(new URL("../../migrations/", import.meta.url));

/**
 * Reads every `NNNN_name.sql` file in `dir` (default: this package's migrations), sorted by
 * version. Files that do not end in `.sql` are ignored.
 *
 * @throws MigrationNameError when a `.sql` file is not named `NNNN_snake_name.sql`.
 * @throws MigrationOrderError when versions have a gap, a duplicate, or do not start at 1.
 */
export function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  return readMigrationFiles(dir, stateError);
}

/**
 * Checks that versions are exactly 1..n. Also used by `migrate`, so a hand-built list gets the
 * same guarantees as one loaded from disk.
 *
 * @throws MigrationOrderError naming the first offending migration.
 */
export function assertContiguous(migrations: readonly Migration[]): void {
  checkMigrationSequence(migrations, stateError);
}

function stateError(problem: MigrationListProblem): Error {
  switch (problem.kind) {
    case "bad-name":
      return new MigrationNameError(problem.fileName);
    case "duplicate":
      return new MigrationOrderError(`duplicate version ${problem.version} (${problem.first}, ${problem.second})`);
    case "gap":
      return new MigrationOrderError(`expected version ${problem.expected} ${problem.previous ? `after ${problem.previous}` : "at the start"}, found ${problem.found}`);
  }
}
