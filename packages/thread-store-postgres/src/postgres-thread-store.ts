import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ThreadId } from "@skein/protocol";
import type {
  AppendThreadItemsParams,
  CreateThreadParams,
  ItemPage,
  ListItemsParams,
  ListThreadsParams,
  ListTurnsParams,
  LoadHistoryParams,
  ReadThreadByRolloutPathParams,
  ReadThreadParams,
  ResumeThreadParams,
  SearchThreadsParams,
  StoredThreadHistory,
  ThreadIdParams,
  ThreadPage,
  ThreadRecord,
  ThreadSearchPage,
  ThreadStore,
  TurnPage,
  UpdateThreadMetadataParams,
} from "@skein/thread-store";
import pg from "pg";
import { InvalidOptionsError } from "./errors.js";
import { tablesIn } from "./internal/sql.js";
import { WriterLeases } from "./internal/writer-leases.js";
import { loadMigrations, type Migration } from "./migrations/load-migrations.js";
import { migrate, type MigrationReport } from "./migrations/migrate.js";
import { enqueue, toStoreError, type PgStoreContext } from "./store/context.js";
import { deleteThread } from "./store/delete-thread.js";
import { importThread, listThreadIds } from "./store/import-thread.js";
import * as live from "./store/live-writes.js";
import * as meta from "./store/metadata-archive.js";
import { listThreads } from "./store/thread-lists.js";
import { searchThreads } from "./store/content-search.js";
import * as read from "./store/thread-reads.js";
import type { ForkThreadParams, ImportThreadParams } from "./types.js";

export type { ForkThreadParams, ImportLine, ImportThreadParams } from "./types.js";

// The class is the entry point: each operation lives in a module of its family under store/ and
// works on the store's PgStoreContext.


/** Default schema of the store's tables. */
export const DEFAULT_SCHEMA = "skein";
/** Default writer-lease lifetime: a dead holder's threads are taken over after this long. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Options of {@link PostgresThreadStore.open}. Give `connectionString` or `pool`. */
export interface PostgresThreadStoreOptions {
  /** `postgres://user@host:port/db` (or `?host=/socket/dir`). The store owns and ends this pool. */
  connectionString?: string;
  /** A pool the caller owns; `close()` leaves it open. */
  pool?: pg.Pool;
  /** Schema of the tables, created when missing (lowercase identifier). Default `skein`. */
  schema?: string;
  /** Writer-lease lifetime in ms (>= 100). Renewed every third of it. Default 30 s. */
  leaseTtlMs?: number;
  /** Clock for thread and line timestamps (epoch ms). Default `Date.now`. */
  now?: () => number;
  /** Migrations to apply instead of the shipped ones (tests of mixed versions). */
  migrations?: readonly Migration[];
}

/**
 * A `ThreadStore` on PostgreSQL, for threads shared by many machines. History is one row
 * per record with the exact JSON line kept (`raw`), appended in one statement per call; a
 * fork made with {@link forkThread} references its parent's prefix instead of copying it.
 * Metadata follows the literal patch contract; lists use keyset cursors over partial
 * indexes; search uses PostgreSQL full-text search. A thread has one writer across all
 * processes: a lease row in `thread_writers`, renewed off the append path and taken over
 * once a dead holder's lease expires.
 *
 * @example
 * ```ts
 * const store = await PostgresThreadStore.open({ connectionString: "postgres://localhost/skein" });
 * const threadId = newThreadId();
 * await store.createThread({ threadId, source: "cli", metadata: { cwd: "/work", modelProvider: "openai" } });
 * await store.appendItems({ threadId, items: [{ type: "event_msg", payload: { type: "user_message", message: "hi" } }] });
 * await store.shutdownThread({ threadId });
 * await store.close();
 * ```
 */
export class PostgresThreadStore implements ThreadStore {
  /** The migration report of `open` (what was applied, which newer versions were ignored). */
  readonly migrations: MigrationReport;
  readonly #ownsPool: boolean;
  readonly #ctx: PgStoreContext;
  #closed: Promise<void> | undefined;

  private constructor(pool: pg.Pool, ownsPool: boolean, schema: string, ttlMs: number, now: () => number, report: MigrationReport) {
    this.#ownsPool = ownsPool;
    const tables = tablesIn(schema);
    this.#ctx = {
      pool,
      tables,
      now,
      leases: new WriterLeases(pool, tables, `${process.pid}@${hostname()}/${randomUUID().slice(0, 8)}`, ttlMs),
      writers: new Map(),
    };
    this.migrations = report;
  }

  /**
   * Connects, applies pending migrations (under an advisory lock, so many processes may
   * open at once) and returns a ready store.
   * @throws InvalidOptionsError for a bad schema name, TTL, or no connection.
   * @throws MigrationChecksumError / MigrationOrderError when the schema was tampered with.
   */
  static async open(options: PostgresThreadStoreOptions): Promise<PostgresThreadStore> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    if (!SCHEMA_RE.test(schema)) throw new InvalidOptionsError(`schema must match ${SCHEMA_RE.source}, got ${schema}`);
    const ttl = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    if (!Number.isInteger(ttl) || ttl < 100) throw new InvalidOptionsError(`leaseTtlMs must be an integer >= 100, got ${ttl}`);
    if (!options.pool && !options.connectionString) throw new InvalidOptionsError("give a connectionString or a pool");
    const ownsPool = !options.pool;
    const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 10 });
    // An idle client losing its connection must not crash the process; the next query reports it.
    if (ownsPool) pool.on("error", () => undefined);
    try {
      const report = await migrate(pool, schema, options.migrations ?? loadMigrations());
      return new PostgresThreadStore(pool, ownsPool, schema, ttl, options.now ?? Date.now, report);
    } catch (error) {
      if (ownsPool) await pool.end().catch(() => undefined);
      throw error;
    }
  }

  /** This instance's lease holder name: `pid@host/token`. */
  get holder(): string {
    return this.#ctx.leases.holder;
  }

  // ---- live writers (store/live-writes.ts) ---------------------------------------------------

  async createThread(params: CreateThreadParams): Promise<void> {
    return live.createThread(this.#ctx, params);
  }

  /**
   * Creates a live fork of `parentThreadId` whose history references the parent's first
   * `baseSeqExclusive` lines instead of copying them (`historyMode: "paginated"`; the fork's
   * own lines carry `ordinal`s continuing the parent's). Reads resolve the prefix
   * recursively; deleting the parent first copies the prefix into its forks. Like
   * `createThread`, nothing is durable until the first write.
   * @throws ThreadNotFoundError when the parent has no durable history.
   * @throws InvalidRequestError when `baseSeqExclusive` is outside 1..parent length.
   */
  async forkThread(params: ForkThreadParams): Promise<void> {
    return live.forkThread(this.#ctx, params);
  }

  async resumeThread(params: ResumeThreadParams): Promise<void> {
    return live.resumeThread(this.#ctx, params);
  }

  async appendItems(params: AppendThreadItemsParams): Promise<void> {
    return live.appendItems(this.#ctx, params);
  }

  async persistThread(params: ThreadIdParams): Promise<void> {
    return live.persistThread(this.#ctx, params);
  }

  async flushThread(params: ThreadIdParams): Promise<void> {
    return live.flushThread(this.#ctx, params);
  }

  async shutdownThread(params: ThreadIdParams): Promise<void> {
    return live.shutdownThread(this.#ctx, params);
  }

  async discardThread(params: ThreadIdParams): Promise<void> {
    return live.discardThread(this.#ctx, params);
  }

  // ---- reads (store/thread-reads.ts, store/thread-lists.ts) -------------------------------------

  async loadHistory(params: LoadHistoryParams): Promise<StoredThreadHistory> {
    return read.loadHistory(this.#ctx, params);
  }

  /**
   * The thread's history as the exact JSON lines stored (a fork's prefix resolved), for
   * byte-faithful export. Same visibility rules as `loadHistory`.
   */
  async loadRawHistory(params: LoadHistoryParams): Promise<string[]> {
    return read.loadRawHistory(this.#ctx, params);
  }

  async readThread(params: ReadThreadParams): Promise<ThreadRecord> {
    return read.readThread(this.#ctx, params);
  }

  async readThreadByRolloutPath(params: ReadThreadByRolloutPathParams): Promise<ThreadRecord> {
    return read.readThreadByRolloutPath(this.#ctx, params);
  }

  async listThreads(params: ListThreadsParams): Promise<ThreadPage> {
    return listThreads(this.#ctx, params);
  }

  async searchThreads(params: SearchThreadsParams): Promise<ThreadSearchPage> {
    return searchThreads(this.#ctx, params);
  }

  async listTurns(params: ListTurnsParams): Promise<TurnPage> {
    return read.listTurns(this.#ctx, params);
  }

  async listItems(params: ListItemsParams): Promise<ItemPage> {
    return read.listItems(this.#ctx, params);
  }

  // ---- metadata, archive, delete (store/metadata-archive.ts, store/delete-thread.ts) ------------

  async updateThreadMetadata(params: UpdateThreadMetadataParams): Promise<ThreadRecord> {
    return meta.updateThreadMetadata(this.#ctx, params);
  }

  async archiveThread(params: ThreadIdParams): Promise<void> {
    return meta.archiveThread(this.#ctx, params);
  }

  async unarchiveThread(params: ThreadIdParams): Promise<ThreadRecord> {
    return meta.unarchiveThread(this.#ctx, params);
  }

  async deleteThread(params: ThreadIdParams): Promise<void> {
    return deleteThread(this.#ctx, params);
  }

  // ---- whole-thread copy (store/import-thread.ts) -----------------------------------------------

  /**
   * Stores a whole thread as given — summary and history, each line's raw text kept byte
   * for byte when `raw` is given — in one transaction. For `copyThreads` and imports.
   * @throws ConflictError `thread <id> already exists` when the id is taken.
   */
  async importThread(params: ImportThreadParams): Promise<void> {
    return importThread(this.#ctx, params);
  }

  /** Thread ids of every durable thread (both collections, listable or not), ordered by id. */
  async listThreadIds(): Promise<ThreadId[]> {
    return listThreadIds(this.#ctx);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  async close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    const failures: unknown[] = [];
    for (const [threadId, writer] of [...this.#ctx.writers]) {
      try {
        await enqueue(writer, async () => {
          if (!writer.materialized && writer.pending.length > 0) await live.materialize(this.#ctx, threadId, writer);
        });
      } catch (error) {
        failures.push(error);
      }
      this.#ctx.writers.delete(threadId);
    }
    await this.#ctx.leases.releaseAll().catch((error: unknown) => failures.push(error));
    if (this.#ownsPool) await this.#ctx.pool.end().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw toStoreError(failures[0]);
  }
}
