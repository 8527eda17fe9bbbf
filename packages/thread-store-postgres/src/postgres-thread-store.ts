import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { isEmptyPatch, sessionSourceKey, type RolloutLine, type StoredThread, type ThreadId } from "@skein/protocol";
import { persistedRolloutItems } from "@skein/rollout";
import {
  archivedThreadDetail,
  assertRolloutItems,
  ConflictError,
  createSessionMetaItem,
  decodeCursor,
  DEFAULT_CLI_VERSION,
  encodeCursor,
  InternalError,
  InvalidRequestError,
  isThreadStoreError,
  listCursorScope,
  normalizeHistoryPageParams,
  normalizeListThreadsParams,
  normalizeSearchParams,
  pageItems,
  pageTurns,
  parseMetadataPatch,
  parseThreadId,
  requireCwd,
  searchSnippet,
  ThreadNotFoundError,
  type AppendThreadItemsParams,
  type CreateThreadParams,
  type CursorScope,
  type ItemPage,
  type ListItemsParams,
  type ListThreadsParams,
  type ListTurnsParams,
  type LoadHistoryParams,
  type ReadThreadByRolloutPathParams,
  type ReadThreadParams,
  type ResumeThreadParams,
  type SearchThreadsParams,
  type StoredThreadHistory,
  type ThreadIdParams,
  type ThreadPage,
  type ThreadRecord,
  type ThreadSearchPage,
  type ThreadStore,
  type TurnPage,
  type UpdateThreadMetadataParams,
} from "@skein/thread-store";
import pg from "pg";
import { InvalidOptionsError } from "./errors.js";
import {
  historySegments,
  insertLines,
  lineArrays,
  parseLines,
  prepareItem,
  prepareRawLine,
  readRawLines,
  unnestSource,
  type PreparedLine,
} from "./internal/history-rows.js";
import { listThreadsStatement, searchThreadsStatement, type Keyset } from "./internal/list-queries.js";
import { patchSetList, tablesIn, THREAD_COLUMNS, toStoredThread, type Tables, type ThreadRow } from "./internal/sql.js";
import { WriterLeases } from "./internal/writer-leases.js";
import { loadMigrations, type Migration } from "./migrations/load-migrations.js";
import { migrate, type MigrationReport } from "./migrations/migrate.js";

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

/** Params of {@link PostgresThreadStore.forkThread}: a create plus the parent prefix to reference. */
export interface ForkThreadParams extends Omit<CreateThreadParams, "forkedFromId" | "historyMode"> {
  /** The durable thread whose history prefix the fork starts from (archived ones too). */
  parentThreadId: ThreadId;
  /** Lines of the parent's resolved history to inherit (1..its length). Default: all of it. */
  baseSeqExclusive?: number;
}

/** One line of an imported history: the parsed line and, when known, its exact raw JSON text. */
export interface ImportLine {
  line: RolloutLine;
  raw?: string;
}

/** Params of {@link PostgresThreadStore.importThread}. */
export interface ImportThreadParams {
  /** The summary to store as is (times, name, archived flag, every field). */
  thread: StoredThread;
  /** The full history, first line first. */
  lines: readonly ImportLine[];
}

/** The thread being created until its first write makes it durable. */
interface Draft {
  meta: PreparedLine;
  values: Record<string, unknown>;
  base: { threadId: string; seqExclusive: number } | undefined;
}

interface LiveWriter {
  materialized: boolean;
  paginated: boolean;
  pending: PreparedLine[];
  draft: Draft | undefined;
  /** Every write of this thread chains here, so writes land in call order. */
  queue: Promise<unknown>;
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
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #tables: Tables;
  readonly #now: () => number;
  readonly #leases: WriterLeases;
  readonly #writers = new Map<ThreadId, LiveWriter>();
  #closed: Promise<void> | undefined;

  private constructor(pool: pg.Pool, ownsPool: boolean, schema: string, ttlMs: number, now: () => number, report: MigrationReport) {
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#tables = tablesIn(schema);
    this.#now = now;
    this.migrations = report;
    this.#leases = new WriterLeases(pool, this.#tables, `${process.pid}@${hostname()}/${randomUUID().slice(0, 8)}`, ttlMs);
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
    return this.#leases.holder;
  }

  async createThread(params: CreateThreadParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    return this.#guard(() => this.#create(threadId, params, undefined));
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
    const threadId = parseThreadId(params?.threadId);
    const parentId = parseThreadId(params.parentThreadId, "parentThreadId");
    return this.#guard(async () => {
      const { rows } = await this.#pool.query<{ next_seq: string }>(
        `SELECT next_seq FROM ${this.#tables.threads} WHERE thread_id = $1`,
        [parentId],
      );
      if (!rows[0]) throw new ThreadNotFoundError(parentId);
      const length = Number(rows[0].next_seq);
      const base = params.baseSeqExclusive ?? length;
      if (!Number.isInteger(base) || base < 1 || base > length) {
        throw new InvalidRequestError(`baseSeqExclusive must be an integer from 1 to ${length}, got ${String(base)}`);
      }
      const segments = (await historySegments(this.#pool, this.#tables, parentId)) ?? [];
      const prefix = segments.map((s) => ({ ...s, to: Math.min(s.to, base) })).filter((s) => s.to > s.from);
      const bytes = (await readRawLines(this.#pool, this.#tables, prefix)).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
      const historyBase = { thread_id: parentId, end_ordinal_exclusive: base, end_byte_offset: bytes };
      await this.#create(threadId, { ...params, forkedFromId: parentId, historyMode: "paginated" }, {
        base: { threadId: parentId, seqExclusive: base },
        metaExtra: { forked_from_ordinal_exclusive: base, history_base: historyBase },
      });
    });
  }

  async resumeThread(params: ResumeThreadParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    requireCwd(params.metadata);
    return this.#guard(async () => {
      this.#assertNoLocalWriter(threadId);
      const row = await this.#visibleRow(threadId, params.includeArchived ?? false);
      await this.#leases.acquire(threadId);
      try {
        if (params.rolloutPath !== undefined) await this.#update(threadId, { rollout_path: params.rolloutPath });
      } catch (error) {
        await this.#leases.release(threadId);
        throw error;
      }
      this.#writers.set(threadId, {
        materialized: true,
        paginated: row.history_mode === "paginated",
        pending: [],
        draft: undefined,
        queue: Promise.resolve(),
      });
    });
  }

  async appendItems(params: AppendThreadItemsParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    assertRolloutItems(params.items);
    const writer = this.#writer(threadId);
    const kept = persistedRolloutItems(params.items);
    if (kept.length === 0) return;
    const now = this.#now();
    const lines = kept.map((item) => prepareItem(item, now));
    if (!writer.materialized) {
      writer.pending.push(...lines);
      return;
    }
    return this.#enqueue(writer, () => this.#writeAppend(threadId, writer, lines, now));
  }

  async persistThread(params: ThreadIdParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    const writer = this.#writer(threadId);
    return this.#enqueue(writer, () => this.#materialize(threadId, writer));
  }

  async flushThread(params: ThreadIdParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    const writer = this.#writer(threadId);
    return this.#enqueue(writer, async () => {
      if (!writer.materialized && writer.pending.length > 0) await this.#materialize(threadId, writer);
    });
  }

  async shutdownThread(params: ThreadIdParams): Promise<void> {
    await this.flushThread(params);
    const threadId = params.threadId;
    if (this.#writers.delete(threadId)) await this.#guard(() => this.#leases.release(threadId));
  }

  async discardThread(params: ThreadIdParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    const writer = this.#writer(threadId);
    writer.pending = [];
    this.#writers.delete(threadId);
    await writer.queue.catch(() => undefined);
    await this.#guard(() => this.#leases.release(threadId));
  }

  async loadHistory(params: LoadHistoryParams): Promise<StoredThreadHistory> {
    const threadId = parseThreadId(params?.threadId);
    return this.#guard(async () => {
      await this.#visibleRow(threadId, params.includeArchived ?? false);
      return { threadId, items: parseLines(await this.#rawHistory(threadId)) };
    });
  }

  /**
   * The thread's history as the exact JSON lines stored (a fork's prefix resolved), for
   * byte-faithful export. Same visibility rules as `loadHistory`.
   */
  async loadRawHistory(params: LoadHistoryParams): Promise<string[]> {
    const threadId = parseThreadId(params?.threadId);
    return this.#guard(async () => {
      await this.#visibleRow(threadId, params.includeArchived ?? false);
      return this.#rawHistory(threadId);
    });
  }

  async readThread(params: ReadThreadParams): Promise<ThreadRecord> {
    const threadId = parseThreadId(params?.threadId);
    return this.#guard(async () => {
      const row = await this.#visibleRow(threadId, params.includeArchived ?? false);
      return this.#record(row, params.includeHistory ?? false);
    });
  }

  async readThreadByRolloutPath(params: ReadThreadByRolloutPathParams): Promise<ThreadRecord> {
    const path = params?.rolloutPath;
    if (typeof path !== "string" || path === "") throw new InvalidRequestError("rolloutPath must be a non-empty string");
    return this.#guard(async () => {
      const { rows } = await this.#pool.query<ThreadRow>(
        `SELECT ${THREAD_COLUMNS} FROM ${this.#tables.threads} WHERE rollout_path = $1`,
        [path],
      );
      const row = rows[0];
      if (!row) throw new InvalidRequestError(`no thread at rollout path ${path}`);
      if (row.archived && !(params.includeArchived ?? false)) throw new InvalidRequestError(archivedThreadDetail(row.thread_id));
      return this.#record(row, params.includeHistory ?? false);
    });
  }

  async listThreads(params: ListThreadsParams): Promise<ThreadPage> {
    const query = normalizeListThreadsParams(params);
    const scope = listCursorScope(query);
    const anchor = query.cursor === undefined ? undefined : keysetFrom(decodeCursor(query.cursor, scope));
    if (query.cwdFilters?.length === 0) return { items: [] };
    return this.#guard(async () => {
      const statement = listThreadsStatement(this.#tables, query, anchor);
      const { rows } = await this.#pool.query<ThreadRow>(statement.text, statement.values);
      return pageOf(rows.map(toStoredThread), query.pageSize, scope, (t) => sortValue(t, query.sortKey));
    });
  }

  async searchThreads(params: SearchThreadsParams): Promise<ThreadSearchPage> {
    const search = normalizeSearchParams(params);
    const scope: CursorScope = {
      operation: "searchThreads",
      query: { searchTerm: search.searchTerm, archived: search.archived, sources: search.sources?.slice().sort() },
    };
    const anchor = search.cursor === undefined ? undefined : keysetFrom(decodeCursor(search.cursor, scope));
    return this.#guard(async () => {
      const statement = searchThreadsStatement(this.#tables, search, anchor);
      type Hit = ThreadRow & { summary_headline: string | null; message_headline: string | null };
      const { rows } = await this.#pool.query<Hit>(statement.text, statement.values);
      const hits = rows.map((row) => {
        const thread = toStoredThread(row);
        const snippet =
          [thread.name, thread.title, thread.preview].map((f) => (f === undefined ? undefined : searchSnippet(f, search.searchTerm))).find((s) => s !== undefined) ??
          [row.summary_headline, row.message_headline].find((h) => h !== null && h.includes("[")) ??
          thread.preview;
        return { thread, snippet };
      });
      const page = pageOf(hits, search.pageSize, scope, (h) => h.thread.createdAt, (h) => h.thread.threadId);
      return page;
    });
  }

  async listTurns(params: ListTurnsParams): Promise<TurnPage> {
    const query = normalizeHistoryPageParams(params);
    return this.#guard(async () => {
      await this.#visibleRow(query.threadId, query.includeArchived);
      return pageTurns(parseLines(await this.#rawHistory(query.threadId)), query);
    });
  }

  async listItems(params: ListItemsParams): Promise<ItemPage> {
    const query = normalizeHistoryPageParams(params);
    return this.#guard(async () => {
      await this.#visibleRow(query.threadId, query.includeArchived);
      return pageItems(parseLines(await this.#rawHistory(query.threadId)), query);
    });
  }

  async updateThreadMetadata(params: UpdateThreadMetadataParams): Promise<ThreadRecord> {
    const threadId = parseThreadId(params?.threadId);
    const patch = parseMetadataPatch(params.patch);
    return this.#guard(async () => {
      if (isEmptyPatch(patch)) return toStoredThread(await this.#row(threadId));
      const { clauses, values } = patchSetList(patch, 1);
      const rows = await this.#rolloutSafe(patch.rolloutPath, () =>
        this.#pool.query<ThreadRow>(
          `UPDATE ${this.#tables.threads} SET ${clauses.join(", ")} WHERE thread_id = $1 RETURNING ${THREAD_COLUMNS}`,
          [threadId, ...values],
        ),
      );
      if (!rows[0]) throw new ThreadNotFoundError(threadId);
      return toStoredThread(rows[0]);
    });
  }

  async archiveThread(params: ThreadIdParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    return this.#guard(async () => {
      // Archive is not activity: only archived_at moves (and stays on a repeated archive).
      const { rowCount } = await this.#pool.query(
        `UPDATE ${this.#tables.threads} SET archived = true, archived_at_ms = COALESCE(archived_at_ms, $2) WHERE thread_id = $1`,
        [threadId, this.#now()],
      );
      if (rowCount === 0) throw new ThreadNotFoundError(threadId);
    });
  }

  async unarchiveThread(params: ThreadIdParams): Promise<ThreadRecord> {
    const threadId = parseThreadId(params?.threadId);
    return this.#guard(async () => {
      // Codex bumps updated_at on unarchive, so the thread sorts as freshly updated.
      const { rows } = await this.#pool.query<ThreadRow>(
        `UPDATE ${this.#tables.threads}
         SET updated_at_ms = CASE WHEN archived THEN GREATEST(updated_at_ms, $2) ELSE updated_at_ms END,
             archived = false, archived_at_ms = NULL
         WHERE thread_id = $1 RETURNING ${THREAD_COLUMNS}`,
        [threadId, this.#now()],
      );
      if (!rows[0]) throw new ThreadNotFoundError(threadId);
      return toStoredThread(rows[0]);
    });
  }

  async deleteThread(params: ThreadIdParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    return this.#guard(async () => {
      const writer = this.#writers.get(threadId);
      this.#writers.delete(threadId);
      await writer?.queue.catch(() => undefined);
      const deleted = await this.#transaction(async (client) => {
        const { rows } = await client.query(`SELECT 1 FROM ${this.#tables.threads} WHERE thread_id = $1 FOR UPDATE`, [threadId]);
        if (rows.length === 0) return false;
        await this.#detachForks(client, threadId);
        await client.query(`DELETE FROM ${this.#tables.threads} WHERE thread_id = $1`, [threadId]);
        await client.query(`DELETE FROM ${this.#tables.writers} WHERE thread_id = $1`, [threadId]);
        return true;
      });
      this.#leases.forget(threadId);
      if (!deleted) {
        if (writer) await this.#leases.release(threadId);
        throw new ThreadNotFoundError(threadId);
      }
    });
  }

  /**
   * Stores a whole thread as given — summary and history, each line's raw text kept byte
   * for byte when `raw` is given — in one transaction. For `copyThreads` and imports.
   * @throws ConflictError `thread <id> already exists` when the id is taken.
   */
  async importThread(params: ImportThreadParams): Promise<void> {
    const thread = params?.thread;
    const threadId = parseThreadId(thread?.threadId);
    if (!Array.isArray(params.lines)) throw new InvalidRequestError("invalid lines: expected an array");
    return this.#guard(() =>
      this.#transaction(async (client) => {
        const values = rowValuesOf(thread, params.lines.length);
        const inserted = await this.#insertThreadRow(client, values);
        if (!inserted) throw new ConflictError(`thread ${threadId} already exists`);
        const lines = params.lines.map(({ line, raw }) => prepareRawLine(raw ?? JSON.stringify(line), line));
        await insertLines(client, this.#tables, threadId, 0, false, lines);
      }),
    );
  }

  /** Thread ids of every durable thread (both collections, listable or not), ordered by id. */
  async listThreadIds(): Promise<ThreadId[]> {
    return this.#guard(async () => {
      const { rows } = await this.#pool.query<{ thread_id: string }>(
        `SELECT thread_id FROM ${this.#tables.threads} ORDER BY thread_id`,
      );
      return rows.map((r) => r.thread_id);
    });
  }

  async close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    const failures: unknown[] = [];
    for (const [threadId, writer] of [...this.#writers]) {
      try {
        await this.#enqueue(writer, async () => {
          if (!writer.materialized && writer.pending.length > 0) await this.#materialize(threadId, writer);
        });
      } catch (error) {
        failures.push(error);
      }
      this.#writers.delete(threadId);
    }
    await this.#leases.releaseAll().catch((error: unknown) => failures.push(error));
    if (this.#ownsPool) await this.#pool.end().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw toStoreError(failures[0]);
  }

  async #create(
    threadId: ThreadId,
    params: CreateThreadParams,
    fork: { base: Draft["base"]; metaExtra: Record<string, unknown> } | undefined,
  ): Promise<void> {
    const forkedFromId = params.forkedFromId === undefined ? undefined : parseThreadId(params.forkedFromId, "forkedFromId");
    const parentThreadId = params.parentThreadId === undefined ? undefined : parseThreadId(params.parentThreadId, "parentThreadId");
    const cwd = requireCwd(params.metadata);
    this.#assertNoLocalWriter(threadId);
    await this.#guard(async () => {
      await this.#leases.acquire(threadId);
      const { rows } = await this.#pool.query(`SELECT 1 FROM ${this.#tables.threads} WHERE thread_id = $1`, [threadId]);
      if (rows.length > 0) {
        await this.#leases.release(threadId);
        throw new ConflictError(`thread ${threadId} already exists`);
      }
    });
    const now = this.#now();
    const item = createSessionMetaItem(params, cwd, now);
    if (fork) Object.assign(item.payload as object, fork.metaExtra);
    const historyMode = params.historyMode ?? "legacy";
    const values: Record<string, unknown> = {
      thread_id: threadId,
      forked_from_id: forkedFromId ?? null,
      parent_thread_id: parentThreadId ?? null,
      model_provider: params.metadata.modelProvider,
      created_at_ms: now,
      updated_at_ms: now,
      recency_at_ms: now,
      cwd,
      cli_version: params.cliVersion ?? DEFAULT_CLI_VERSION,
      source: JSON.stringify(params.source),
      source_key: sessionSourceKey(params.source),
      thread_source: params.threadSource ?? null,
      memory_mode: params.metadata.memoryMode === "disabled" ? "disabled" : "enabled",
      history_mode: historyMode,
      base_thread_id: fork?.base?.threadId ?? null,
      base_seq_exclusive: fork?.base?.seqExclusive ?? null,
    };
    this.#writers.set(threadId, {
      materialized: false,
      paginated: historyMode === "paginated",
      pending: [],
      draft: { meta: prepareItem(item, now), values, base: fork?.base },
      queue: Promise.resolve(),
    });
  }

  /** Makes a created thread durable: its row, `session_meta`, and pending lines, atomically. */
  async #materialize(threadId: ThreadId, writer: LiveWriter): Promise<void> {
    if (writer.materialized || !writer.draft) return;
    const draft = writer.draft;
    const lines = [draft.meta, ...writer.pending];
    const first = draft.base?.seqExclusive ?? 0;
    const lastMs = Date.parse(lines.at(-1)!.ts);
    const values = {
      ...draft.values,
      next_seq: first + lines.length,
      updated_at_ms: Math.max(Number(draft.values["updated_at_ms"]), Number.isNaN(lastMs) ? 0 : lastMs),
    };
    await this.#transaction(async (client) => {
      await this.#assertLease(client, threadId);
      if (!(await this.#insertThreadRow(client, values))) throw new ConflictError(`thread ${threadId} already exists`);
      await insertLines(client, this.#tables, threadId, first, writer.paginated, lines);
    });
    writer.pending = [];
    writer.draft = undefined;
    writer.materialized = true;
  }

  /**
   * Appends prepared lines in ONE statement: the lease row is share-locked (a takeover
   * waits for us, and we see a takeover that committed first), the thread's `next_seq` is
   * bumped to allocate the sequence numbers, and the rows are inserted.
   */
  async #writeAppend(threadId: ThreadId, writer: LiveWriter, lines: PreparedLine[], now: number): Promise<void> {
    const lost = this.#leases.lostTo(threadId);
    if (lost !== undefined) throw new ConflictError(`thread ${threadId} already has a live writer (held by ${lost})`, { holder: lost });
    const { rowCount } = await this.#pool.query(
      `WITH lease AS (
         SELECT thread_id FROM ${this.#tables.writers} WHERE thread_id = $1 AND holder = $2 FOR SHARE
       ), bump AS (
         UPDATE ${this.#tables.threads} t SET next_seq = t.next_seq + $3::bigint, updated_at_ms = GREATEST(t.updated_at_ms, $4::bigint)
         FROM lease WHERE t.thread_id = lease.thread_id
         RETURNING t.next_seq - $3::bigint AS first
       )
       INSERT INTO ${this.#tables.items} (thread_id, seq, ts, type, payload, metadata, raw)
       SELECT $1, bump.first + u.ord - 1, u.ts, u.type, u.payload::jsonb, u.metadata::jsonb,
              u.head || CASE WHEN $5::boolean THEN ',"ordinal":' || (bump.first + u.ord - 1) ELSE '' END || u.tail
       FROM bump, ${unnestSource(6)}`,
      [threadId, this.#leases.holder, lines.length, now, writer.paginated, ...lineArrays(lines)],
    );
    if (rowCount === lines.length) return;
    const exists = await this.#pool.query(`SELECT 1 FROM ${this.#tables.threads} WHERE thread_id = $1`, [threadId]);
    if (exists.rows.length === 0) throw new ThreadNotFoundError(threadId);
    throw await this.#leases.conflict(threadId);
  }

  async #assertLease(client: pg.PoolClient, threadId: ThreadId): Promise<void> {
    const { rows } = await client.query(
      `SELECT 1 FROM ${this.#tables.writers} WHERE thread_id = $1 AND holder = $2 FOR SHARE`,
      [threadId, this.#leases.holder],
    );
    if (rows.length === 0) throw await this.#leases.conflict(threadId);
  }

  async #insertThreadRow(client: pg.PoolClient, values: Record<string, unknown>): Promise<boolean> {
    const columns = Object.keys(values);
    const placeholders = columns.map((c, i) => (c === "source" || c === "permission_profile" ? `$${i + 1}::jsonb` : `$${i + 1}`));
    const { rowCount } = await client.query(
      `INSERT INTO ${this.#tables.threads} (${columns.join(", ")}) VALUES (${placeholders.join(", ")})
       ON CONFLICT (thread_id) DO NOTHING`,
      Object.values(values),
    );
    return rowCount === 1;
  }

  /** Copies each fork's inherited prefix into the fork, so deleting its parent loses nothing. */
  async #detachForks(client: pg.PoolClient, threadId: ThreadId): Promise<void> {
    const { rows } = await client.query<{ thread_id: string }>(
      `SELECT thread_id FROM ${this.#tables.threads} WHERE base_thread_id = $1 FOR UPDATE`,
      [threadId],
    );
    for (const { thread_id: forkId } of rows) {
      const segments = (await historySegments(client, this.#tables, forkId)) ?? [];
      for (const segment of segments.filter((s) => s.threadId !== forkId)) {
        await client.query(
          `INSERT INTO ${this.#tables.items} (thread_id, seq, ts, type, payload, metadata, raw)
           SELECT $1, seq, ts, type, payload, metadata, raw FROM ${this.#tables.items}
           WHERE thread_id = $2 AND seq >= $3 AND seq < $4`,
          [forkId, segment.threadId, segment.from, segment.to],
        );
      }
      await client.query(
        `UPDATE ${this.#tables.threads} SET base_thread_id = NULL, base_seq_exclusive = NULL WHERE thread_id = $1`,
        [forkId],
      );
    }
  }

  async #rawHistory(threadId: ThreadId): Promise<string[]> {
    const segments = await historySegments(this.#pool, this.#tables, threadId);
    if (!segments) throw new ThreadNotFoundError(threadId);
    return readRawLines(this.#pool, this.#tables, segments);
  }

  async #record(row: ThreadRow, includeHistory: boolean): Promise<ThreadRecord> {
    const thread = toStoredThread(row);
    return includeHistory ? { ...thread, history: parseLines(await this.#rawHistory(row.thread_id)) } : thread;
  }

  async #row(threadId: ThreadId): Promise<ThreadRow> {
    const { rows } = await this.#pool.query<ThreadRow>(`SELECT ${THREAD_COLUMNS} FROM ${this.#tables.threads} WHERE thread_id = $1`, [
      threadId,
    ]);
    if (!rows[0]) throw new ThreadNotFoundError(threadId);
    return rows[0];
  }

  async #visibleRow(threadId: ThreadId, includeArchived: boolean): Promise<ThreadRow> {
    const row = await this.#row(threadId);
    if (row.archived && !includeArchived) throw new InvalidRequestError(archivedThreadDetail(threadId));
    return row;
  }

  async #update(threadId: ThreadId, set: Record<string, unknown>): Promise<void> {
    const columns = Object.keys(set);
    await this.#rolloutSafe(set["rollout_path"] as string | undefined, () =>
      this.#pool.query(
        `UPDATE ${this.#tables.threads} SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(", ")} WHERE thread_id = $1`,
        [threadId, ...Object.values(set)],
      ),
    );
  }

  /** Runs a statement that may set `rollout_path`; a path owned by another thread → ConflictError. */
  async #rolloutSafe<R extends pg.QueryResultRow>(path: string | undefined, run: () => Promise<pg.QueryResult<R>>): Promise<R[]> {
    try {
      return (await run()).rows;
    } catch (error) {
      if (path !== undefined && (error as { code?: string }).code === "23505") {
        const { rows } = await this.#pool.query<{ thread_id: string }>(
          `SELECT thread_id FROM ${this.#tables.threads} WHERE rollout_path = $1`,
          [path],
        );
        throw new ConflictError(`rollout path ${path} already belongs to thread ${rows[0]?.thread_id ?? "another thread"}`);
      }
      throw error;
    }
  }

  async #transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query("BEGIN");
      const result = await body(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  #assertNoLocalWriter(threadId: ThreadId): void {
    if (this.#writers.has(threadId)) {
      const holder = this.#leases.holder;
      throw new ConflictError(`thread ${threadId} already has a live writer (held by ${holder})`, { holder });
    }
  }

  #writer(threadId: ThreadId): LiveWriter {
    const writer = this.#writers.get(threadId);
    if (!writer) throw new ThreadNotFoundError(threadId);
    return writer;
  }

  /** Chains `op` after the writer's earlier writes; a failure rejects this call only. */
  #enqueue(writer: LiveWriter, op: () => Promise<void>): Promise<void> {
    const run = writer.queue.then(op, op);
    writer.queue = run.catch(() => undefined);
    return this.#guard(() => run);
  }

  /** Runs `body`; anything but a ThreadStoreError becomes an InternalError carrying it. */
  async #guard<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw toStoreError(error);
    }
  }
}

function toStoreError(error: unknown): Error {
  if (isThreadStoreError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`postgres: ${message}`, { cause: error });
}

function sortValue(thread: StoredThread, key: "created" | "updated" | "recency"): number {
  return key === "updated" ? thread.updatedAt : key === "recency" ? thread.recencyAt : thread.createdAt;
}

/** Cuts the `pageSize + 1` rows of a keyset query into a page and its next cursor. */
function pageOf<T>(
  rows: T[],
  pageSize: number,
  scope: CursorScope,
  value: (item: T) => number,
  id: (item: T) => string = (item) => (item as { threadId: string }).threadId,
): { items: T[]; nextCursor?: string } {
  if (rows.length <= pageSize) return { items: rows };
  const items = rows.slice(0, pageSize);
  const last = items.at(-1)!;
  return { items, nextCursor: encodeCursor(scope, { v: value(last), id: id(last) }) };
}

function keysetFrom(value: unknown): Keyset {
  const record = value as { v?: unknown; id?: unknown } | null;
  if (record && typeof record.v === "number" && Number.isSafeInteger(record.v) && typeof record.id === "string") {
    return { v: record.v, id: record.id };
  }
  throw new InvalidRequestError("invalid cursor: not a cursor issued by this store");
}

/** The `threads` row of an imported summary. */
function rowValuesOf(thread: StoredThread, lineCount: number): Record<string, unknown> {
  return {
    thread_id: thread.threadId,
    rollout_path: thread.rolloutPath ?? null,
    forked_from_id: thread.forkedFromId ?? null,
    parent_thread_id: thread.parentThreadId ?? null,
    preview: thread.preview === "" ? null : thread.preview,
    name: thread.name ?? null,
    title: thread.title ?? null,
    first_user_message: thread.firstUserMessage ?? null,
    model_provider: thread.modelProvider,
    model: thread.model ?? null,
    reasoning_effort: thread.reasoningEffort ?? null,
    created_at_ms: thread.createdAt,
    updated_at_ms: thread.updatedAt,
    recency_at_ms: thread.recencyAt,
    archived: thread.archived,
    archived_at_ms: thread.archived ? (thread.archivedAt ?? thread.updatedAt) : null,
    cwd: thread.cwd,
    cli_version: thread.cliVersion,
    source: JSON.stringify(thread.source),
    source_key: sessionSourceKey(thread.source),
    thread_source: thread.threadSource ?? null,
    agent_nickname: thread.agentNickname ?? null,
    agent_role: thread.agentRole ?? null,
    agent_path: thread.agentPath ?? null,
    git_sha: thread.gitInfo?.sha ?? null,
    git_branch: thread.gitInfo?.branch ?? null,
    git_origin_url: thread.gitInfo?.originUrl ?? null,
    approval_mode: thread.approvalMode ?? null,
    permission_profile: thread.permissionProfile === undefined ? null : JSON.stringify(thread.permissionProfile),
    tokens_used: thread.tokensUsed ?? null,
    memory_mode: thread.memoryMode,
    history_mode: thread.historyMode,
    next_seq: lineCount,
  };
}
