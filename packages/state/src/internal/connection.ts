import type Database from "better-sqlite3";
import type { MigrationReport } from "../migrations/migrate.js";
import type { MonotonicClock } from "./monotonic-clock.js";

/**
 * One better-sqlite3 connection and the per-file state that goes with it. Shared by every
 * `StateDb` handle of the same file in this process (see `StateDb.open`).
 */
export interface Connection {
  readonly db: Database.Database;
  /** The real path of the file, or `:memory:`. */
  readonly path: string;
  /** Handles currently sharing this connection. */
  refs: number;
  readonly updatedClock: MonotonicClock;
  readonly recencyClock: MonotonicClock;
  readonly migrationReport: MigrationReport;
  readonly statements: Map<string, Database.Statement>;
}

/** A prepared statement for `sql`, prepared once per connection. */
export function statement(conn: Connection, sql: string): Database.Statement {
  let stmt = conn.statements.get(sql);
  if (!stmt) {
    stmt = conn.db.prepare(sql);
    conn.statements.set(sql, stmt);
  }
  return stmt;
}
