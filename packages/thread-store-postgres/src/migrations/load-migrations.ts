import { fileURLToPath } from "node:url";
import { readMigrationFiles, type Migration, type MigrationListProblem } from "@skein/state";
import { MigrationLoadError } from "../errors.js";

export type { Migration } from "@skein/state";

/** The migrations shipped with this package (`migrations/` next to `src/` and `dist/`). */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

/**
 * Reads `NNNN_name.sql` files from `dir`, in version order (the reader of @skein/state).
 * @throws MigrationLoadError for an unreadable folder or file, a file that does not follow the
 * naming rule, a duplicate version, or a gap (versions must be 1, 2, 3, …).
 */
export function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  try {
    return readMigrationFiles(dir, loadError);
  } catch (cause) {
    if (cause instanceof MigrationLoadError) throw cause;
    throw new MigrationLoadError(`cannot read ${dir}`, { cause });
  }
}

function loadError(problem: MigrationListProblem): MigrationLoadError {
  switch (problem.kind) {
    case "bad-name":
      return new MigrationLoadError(`bad migration file name ${problem.fileName}`);
    case "duplicate":
      return new MigrationLoadError(`duplicate migration version ${problem.version} (${problem.first}, ${problem.second})`);
    case "gap":
      return new MigrationLoadError(`missing migration version ${problem.expected} before ${problem.found}`);
  }
}
