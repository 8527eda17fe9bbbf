import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MigrationLoadError } from "../errors.js";

/** One numbered schema migration. */
export interface Migration {
  /** The number before `_` in the file name. */
  version: number;
  /** The file name without `.sql`, e.g. `0001_threads`. */
  name: string;
  sql: string;
  /** sha256 (hex) of the file's exact bytes. */
  checksum: string;
}

/** The migrations shipped with this package (`migrations/` next to `src/` and `dist/`). */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Reads `NNNN_name.sql` files from `dir`, in version order.
 * @throws MigrationLoadError for a file that does not follow the naming rule, a duplicate
 * version, or a gap (versions must be 1, 2, 3, …).
 */
export function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".sql"));
  } catch (cause) {
    throw new MigrationLoadError(`cannot read ${dir}`, { cause });
  }
  const migrations = files.map((file) => {
    const match = FILE_RE.exec(file);
    if (!match) throw new MigrationLoadError(`bad migration file name ${file}`);
    const bytes = readFileSync(join(dir, file));
    return {
      version: Number(match[1]),
      name: file.slice(0, -".sql".length),
      sql: bytes.toString("utf8"),
      checksum: createHash("sha256").update(bytes).digest("hex"),
    };
  });
  return checkSequence(migrations.sort((a, b) => a.version - b.version));
}

/** @throws MigrationLoadError unless versions run 1, 2, 3, … without gaps or duplicates. */
export function checkSequence(migrations: Migration[]): Migration[] {
  migrations.forEach((migration, i) => {
    const previous = migrations[i - 1];
    if (previous && previous.version === migration.version) {
      throw new MigrationLoadError(`duplicate migration version ${migration.version} (${previous.name}, ${migration.name})`);
    }
    if (migration.version !== i + 1) {
      throw new MigrationLoadError(`missing migration version ${i + 1} before ${migration.name}`);
    }
  });
  return migrations;
}
