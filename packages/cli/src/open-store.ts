import { existsSync } from "node:fs";
import type { CatchUpMode, CodexSyncReport, LocalThreadStore, ThreadStore } from "@skein/thread-store";
import type { CommandContext } from "./context.js";
import { HomeNotFoundError, StoreUnavailableError } from "./errors.js";
import type { StoreLocation } from "./store-location.js";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Default `quick`; `reindex` and `doctor` pass `none` so they see (and report) the real state. */
  catchUp?: CatchUpMode;
  /** Create the home when it is missing (only `demo` does). Default false. */
  create?: boolean;
  /** Keep Codex's index in step (default true); see `LocalThreadStoreOptions.codexSync`. */
  codexSync?: boolean;
  /** Receives each Codex-index sync report. */
  onCodexSync?: (report: CodexSyncReport) => void;
}

/**
 * Opens the local store over `home`. The store module (SQLite and all) is imported here, on
 * first use, so `skein --help` never pays for it.
 *
 * @throws HomeNotFoundError when the home does not exist and `create` is not set.
 */
export async function openStore(home: string, options: OpenStoreOptions = {}): Promise<LocalThreadStore> {
  if (!options.create && !existsSync(home)) throw new HomeNotFoundError(home);
  const { LocalThreadStore } = await import("@skein/thread-store");
  return LocalThreadStore.open({
    home,
    catchUp: options.catchUp ?? "quick",
    ...(options.codexSync !== undefined ? { codexSync: options.codexSync } : {}),
    ...(options.onCodexSync ? { onCodexSync: options.onCodexSync } : {}),
  });
}

/** Runs `fn` with an open store and closes the store afterwards, whatever happens. */
export async function withStore<T>(
  home: string,
  fn: (store: LocalThreadStore) => Promise<T>,
  options: OpenStoreOptions = {},
): Promise<T> {
  const store = await openStore(home, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** An open store of any kind, and how to release it. */
export interface OpenedStore {
  store: ThreadStore;
  close(): Promise<void>;
}

/** How long opening a PostgreSQL store may take before the command gives up. */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens the store at `location`: the local home (as {@link openStore}), or PostgreSQL. The
 * PostgreSQL package (and `pg`) is imported only here, only for a postgres location, so local
 * commands never load it.
 *
 * @throws HomeNotFoundError for a missing local home (unless `create`).
 * @throws StoreUnavailableError when the database cannot be reached or opened.
 */
export async function openThreadStore(location: StoreLocation, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (location.kind === "local") {
    const store = await openStore(location.home, options);
    return { store, close: () => store.close() };
  }
  const [{ PostgresThreadStore }, { default: pg }] = await Promise.all([import("@skein/thread-store-postgres"), import("pg")]);
  const pool = new pg.Pool({ connectionString: location.url, max: 4, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client losing its connection must not crash the command; the next query reports it.
  pool.on("error", () => undefined);
  try {
    const store = await PostgresThreadStore.open({ pool, ...(location.schema !== undefined ? { schema: location.schema } : {}) });
    return {
      store,
      close: async () => {
        try {
          await store.close();
        } finally {
          await pool.end();
        }
      },
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreUnavailableError(location.label, errorDetail(error), { cause: error });
  }
}

/** Runs `fn` with the context's store open and closes it afterwards, whatever happens. */
export async function withThreadStore<T>(
  ctx: CommandContext,
  fn: (store: ThreadStore) => Promise<T>,
  options: OpenStoreOptions = {},
): Promise<T> {
  const opened = await openThreadStore(ctx.store, { codexSync: ctx.codexSync, onCodexSync: codexSyncWarning(ctx), ...options });
  try {
    return await fn(opened.store);
  } finally {
    await opened.close();
  }
}

/** Warns on stderr when Codex's index could not be kept in step (the Skein change itself is done). */
function codexSyncWarning(ctx: CommandContext): (report: CodexSyncReport) => void {
  return (report) => {
    if (report.status !== "unknown-schema" && report.status !== "failed") return;
    ctx.out.error(
      `warning: Codex's index (state_5.sqlite) was not updated for ${report.threadId}: ${report.detail ?? report.status}` +
        (report.status === "failed" ? "; run `skein doctor --fix` to repair it" : "; Codex's database was left untouched"),
    );
  };
}

/** The innermost useful message of a connection failure (pg wraps little; AggregateError has none). */
function errorDetail(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return errorDetail(error.errors[0]);
  if (error instanceof Error) {
    const inner = (error as { detail?: unknown }).detail;
    const text = typeof inner === "string" && inner !== "" ? inner : error.message;
    return text !== "" ? text : (error as { code?: string }).code ?? error.name;
  }
  return String(error);
}
