import Database from "better-sqlite3";
import { withNativeBinding } from "./internal/native-binding.js";
import { rowFromSql, type SqlThreadRow } from "./internal/thread-select.js";
import { buildListSql, pageOf, type ListQueryParams } from "./list-query.js";
import { LATEST_MIGRATION_VERSION } from "./migrations/latest-version.js";
import type { ThreadRow } from "./thread-row.js";
import { readIndexedUsage, type IndexedUsage } from "./usage-query.js";

// `@skein/state/read-only`: the index opened read-only for short commands (`skein list`, `du`,
// shell completion). No zod, no migration files, no writes: it opens the file with SQLite's
// read-only flag, checks that the schema is at least this build's (a newer Skein's file is fine
// to read), and runs the same list SQL and row mapping as `StateDb` (list-query.ts,
// thread-select.ts). Anything it cannot vouch for is the caller's cue to open the full store,
// which migrates, verifies and catches up (docs/cli-startup.md, "The read-only path").

export type { ListQueryParams } from "./list-query.js";
export { LATEST_MIGRATION_VERSION } from "./migrations/latest-version.js";
export { InvalidCursorError } from "./errors.js";
export { readThreadLabels, LABEL_PREVIEW_CHARS, type ThreadLabel } from "./thread-labels.js";
export { monthOf, type IndexedUsage, type UsageCell, type UsageThread } from "./usage-query.js";

/** A page of a read-only listing (same shape as `StateDb.listThreads`). */
export interface ReadOnlyThreadPage {
  items: ThreadRow[];
  nextCursor?: string;
}

/** A read-only connection to the index. Synchronous, like better-sqlite3. */
export class ReadOnlyIndex {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  #prepare(sql: string): Database.Statement {
    let stmt = this.#statements.get(sql);
    if (!stmt) this.#statements.set(sql, (stmt = this.#db.prepare(sql)));
    return stmt;
  }

  /**
   * Opens `path` read-only, or returns undefined when it cannot be answered from: the file is
   * missing, not a database, or migrated less far than this build (the full store migrates it).
   * Never creates, migrates or writes anything; SQLite errors other than these are thrown.
   */
  static open(path: string, options: { busyTimeoutMs?: number } = {}): ReadOnlyIndex | undefined {
    let db: Database.Database;
    try {
      db = new Database(path, withNativeBinding({ readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs ?? 5000 }));
    } catch (error) {
      if ((error as { code?: unknown }).code === "SQLITE_CANTOPEN") return undefined;
      throw error;
    }
    try {
      const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'skein_migrations'").get();
      const version = hasTable ? (db.prepare("SELECT MAX(version) AS v FROM skein_migrations").get() as { v: number | null }).v ?? 0 : 0;
      if (version < LATEST_MIGRATION_VERSION) {
        db.close();
        return undefined;
      }
      db.function("skein_icontains", { deterministic: true }, (haystack: unknown, needle: unknown) =>
        typeof haystack === "string" && typeof needle === "string" && haystack.toLowerCase().includes(needle) ? 1 : 0,
      );
    } catch (error) {
      db.close();
      throw error;
    }
    return new ReadOnlyIndex(db);
  }

  /** The meta value under `key`, if any. */
  getMeta(key: string): string | undefined {
    return (this.#prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }

  /** Every meta entry whose key starts with `prefix`. */
  listMeta(prefix: string): Map<string, string> {
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const rows = this.#prepare("SELECT key, value FROM meta WHERE key >= ? AND key < ?").all(prefix, upper) as { key: string; value: string }[];
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  /** One page of a listing: the same SQL, cursor and rows as `StateDb.listThreads` for the same checked params. */
  listThreads(params: ListQueryParams): ReadOnlyThreadPage {
    const query = buildListSql(params);
    if (query === "empty") return { items: [] };
    const rows = this.#prepare(query.sql).all(...query.params) as SqlThreadRow[];
    return pageOf(rows, query.params.at(-1) as number, query.fingerprint, query.sortColumn, rowFromSql);
  }

  /** Disk usage as the index records it (`StateDb.indexedUsage`). */
  indexedUsage(largest: number): IndexedUsage {
    return readIndexedUsage(this.#db, (sql) => this.#prepare(sql), largest);
  }

  close(): void {
    this.#db.close();
  }
}
