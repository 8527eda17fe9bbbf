import type Database from "better-sqlite3";

// The columns of Codex's `threads` table that Skein reads and writes, as Codex 0.169 declares
// them (codex-real-format §6; docs/codex-home-sync.md). The shape is read from the schema
// (`PRAGMA table_info`) every time: anything else is an unknown shape, left untouched.

/** A column Skein relies on: its declared type and whether it may be NULL. */
interface ExpectedColumn {
  readonly type: "TEXT" | "INTEGER";
  readonly notNull: boolean;
  readonly primaryKey?: boolean;
}

/** Every column of `threads` Skein reads or writes, with the declaration Codex 0.169 gives it. */
export const EXPECTED_THREADS_COLUMNS: Readonly<Record<string, ExpectedColumn>> = {
  id: { type: "TEXT", notNull: false, primaryKey: true },
  rollout_path: { type: "TEXT", notNull: true },
  updated_at: { type: "INTEGER", notNull: true },
  updated_at_ms: { type: "INTEGER", notNull: false },
  archived: { type: "INTEGER", notNull: true },
  archived_at: { type: "INTEGER", notNull: false },
  title: { type: "TEXT", notNull: true },
  name: { type: "TEXT", notNull: false },
  history_mode: { type: "TEXT", notNull: true },
};

/** What {@link checkThreadsShape} found. */
export type ThreadsShape =
  | { readonly known: true; readonly columns: readonly string[] }
  | { readonly known: false; readonly reason: string };

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  dflt_value: unknown;
  pk: number;
}

/**
 * Reads `PRAGMA table_info(threads)` and says whether Skein knows this shape: every column Skein
 * reads or writes present with exactly the type, nullability and key Codex 0.169 declares.
 * Other columns are allowed (Codex adds columns in its migrations) because Skein never inserts
 * rows: it updates and deletes by id, so their values stay as Codex wrote them. Anything else —
 * a renamed, retyped or re-constrained column, a missing table — is unknown.
 */
export function checkThreadsShape(db: Database.Database): ThreadsShape {
  let info: ColumnInfo[];
  try {
    info = db.prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('threads')").all() as ColumnInfo[];
  } catch (error) {
    return { known: false, reason: `cannot read the threads table's schema: ${(error as Error).message}` };
  }
  if (info.length === 0) return { known: false, reason: "the database has no threads table" };
  const byName = new Map(info.map((c) => [c.name, c]));
  const problems: string[] = [];
  for (const [name, expected] of Object.entries(EXPECTED_THREADS_COLUMNS)) {
    const col = byName.get(name);
    if (!col) {
      problems.push(`column ${name} is missing`);
      continue;
    }
    if (col.type.toUpperCase() !== expected.type) problems.push(`column ${name} is ${col.type || "untyped"}, expected ${expected.type}`);
    if (expected.notNull && col.notnull !== 1) problems.push(`column ${name} allows NULL, expected NOT NULL`);
    if (!expected.notNull && !expected.primaryKey && col.notnull === 1) problems.push(`column ${name} is NOT NULL, expected nullable`);
    if ((expected.primaryKey ?? false) !== col.pk > 0) problems.push(`column ${name} ${col.pk > 0 ? "is" : "is not"} the primary key`);
  }
  if (problems.length > 0) return { known: false, reason: `unknown threads table shape: ${problems.join("; ")}` };
  return { known: true, columns: info.map((c) => c.name) };
}
