import Database from "better-sqlite3";
import { closeSync, mkdirSync, openSync, realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { StateDbCorruptError } from "../errors.js";
import { loadMigrations, type Migration } from "../migrations/load-migrations.js";
import { migrate } from "../migrations/migrate.js";
import { markCleanClose } from "./clean-close.js";
import type { Connection } from "./connection.js";
import { isCorruptionError } from "./corruption.js";
import { MonotonicClock } from "./monotonic-clock.js";
import { withNativeBinding } from "./native-binding.js";

// Behaviour: docs/state-index.md, "Opening".

/** How to open the database file. */
export interface ConnectionOptions {
  /** The database file, or `:memory:`. */
  path: string;
  /** `wal` (default), or `delete` for filesystems where WAL is unsafe (network mounts). */
  journalMode?: "wal" | "delete";
  /** How long a statement waits for another connection's lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** The migration list (default: {@link loadMigrations} of this package's migrations). */
  migrations?: readonly Migration[];
}

/** The smallest busy timeout we accept: Codex waits 5 s, and so do we by default. */
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const registry = new Map<string, Connection>();

let defaultMigrations: Migration[] | undefined;

/**
 * Returns the process's connection for `options.path`, opening it when needed (file 0600,
 * parent dir 0700, pragmas, migrations, clock seeds). `:memory:` is never shared.
 */
export function acquireConnection(options: ConnectionOptions, now: () => number): Connection {
  if (options.path === ":memory:") return openConnection(":memory:", options, now);
  const absolute = resolve(options.path);
  mkdirSync(dirname(absolute), { recursive: true, mode: 0o700 });
  // Create the file ourselves so its mode is 0600 (SQLite would use 0644); the -wal and
  // -shm files SQLite creates later copy the database file's permissions.
  closeSync(openSync(absolute, "a", 0o600));
  const real = realpathSync(absolute);
  const shared = registry.get(real);
  if (shared) {
    shared.refs += 1;
    return shared;
  }
  const conn = openConnection(real, options, now);
  registry.set(real, conn);
  return conn;
}

/** Drops one reference; closes the connection and forgets it with the last one. */
export function releaseConnection(conn: Connection): void {
  conn.refs -= 1;
  if (conn.refs > 0) return;
  if (registry.get(conn.path) === conn) registry.delete(conn.path);
  conn.db.close();
  if (conn.path !== ":memory:") markCleanClose(conn.path);
}

function openConnection(path: string, options: ConnectionOptions, now: () => number): Connection {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = new Database(path, withNativeBinding({ timeout: busyTimeoutMs }));
  try {
    configure(db, options.journalMode ?? "wal", busyTimeoutMs);
    const migrationReport = migrate(db, options.migrations ?? (defaultMigrations ??= loadMigrations()), now);
    const maxima = db
      .prepare("SELECT COALESCE(MAX(updated_at_ms), 0) AS updated, COALESCE(MAX(recency_at_ms), 0) AS recency FROM threads")
      .get() as { updated: number; recency: number };
    db.function("skein_icontains", { deterministic: true }, (haystack: unknown, needle: unknown) =>
      typeof haystack === "string" && typeof needle === "string" && haystack.toLowerCase().includes(needle) ? 1 : 0,
    );
    return {
      db,
      path,
      refs: 1,
      updatedClock: new MonotonicClock(maxima.updated),
      recencyClock: new MonotonicClock(maxima.recency),
      migrationReport,
      statements: new Map(),
    };
  } catch (error) {
    db.close();
    if (isCorruptionError(error) && !(error instanceof StateDbCorruptError)) {
      throw new StateDbCorruptError(path, describe(error), { cause: error });
    }
    throw error;
  }
}

function configure(db: Database.Database, journalMode: "wal" | "delete", busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  // auto_vacuum only takes effect before the first table exists; never VACUUM at startup.
  if ((db.pragma("page_count", { simple: true }) as number) === 0) db.pragma("auto_vacuum = INCREMENTAL");
  db.pragma(`journal_mode = ${journalMode === "wal" ? "WAL" : "DELETE"}`);
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
}

/** A one-line reason from an error and its causes. */
export function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === "string" && code.startsWith("SQLITE_") ? `${code}: ${e.message}` : e.message);
  }
  return parts.join(": ") || String(error);
}
