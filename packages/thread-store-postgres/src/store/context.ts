import type pg from "pg";
import type { ThreadId } from "@skein/protocol";
import { archivedThreadDetail, ConflictError, InternalError, InvalidRequestError, isThreadStoreError, ThreadNotFoundError, type ThreadRecord } from "@skein/thread-store";
import { historySegments, parseLines, readRawLines, type PreparedLine } from "../internal/history-rows.js";
import { THREAD_COLUMNS, toStoredThread, type Tables, type ThreadRow } from "../internal/sql.js";
import type { WriterLeases } from "../internal/writer-leases.js";

// What every operation of PostgresThreadStore works with, and the helpers they share: errors,
// transactions, row reads, the per-thread write queue.

/** The thread being created until its first write makes it durable. */
export interface Draft {
  meta: PreparedLine;
  values: Record<string, unknown>;
  base: { threadId: string; seqExclusive: number } | undefined;
}

/** This process's writer of one thread. */
export interface LiveWriter {
  materialized: boolean;
  paginated: boolean;
  pending: PreparedLine[];
  draft: Draft | undefined;
  /** Every write of this thread chains here, so writes land in call order. */
  queue: Promise<unknown>;
}

/** The store's connection, tables, clock, leases and live writers, passed to every operation. */
export interface PgStoreContext {
  readonly pool: pg.Pool;
  readonly tables: Tables;
  /** Clock for thread and line timestamps (epoch ms). */
  readonly now: () => number;
  readonly leases: WriterLeases;
  readonly writers: Map<ThreadId, LiveWriter>;
}

/** Runs `body`; anything but a ThreadStoreError becomes an InternalError carrying it. */
export async function guard<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toStoreError(error);
  }
}

export async function transaction<T>(ctx: PgStoreContext, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await ctx.pool.connect();
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

export async function rowOf(ctx: PgStoreContext, threadId: ThreadId): Promise<ThreadRow> {
  const { rows } = await ctx.pool.query<ThreadRow>(`SELECT ${THREAD_COLUMNS} FROM ${ctx.tables.threads} WHERE thread_id = $1`, [
    threadId,
  ]);
  if (!rows[0]) throw new ThreadNotFoundError(threadId);
  return rows[0];
}

export async function visibleRow(ctx: PgStoreContext, threadId: ThreadId, includeArchived: boolean): Promise<ThreadRow> {
  const row = await rowOf(ctx, threadId);
  if (row.archived && !includeArchived) throw new InvalidRequestError(archivedThreadDetail(threadId));
  return row;
}

export async function rawHistory(ctx: PgStoreContext, threadId: ThreadId): Promise<string[]> {
  const segments = await historySegments(ctx.pool, ctx.tables, threadId);
  if (!segments) throw new ThreadNotFoundError(threadId);
  return readRawLines(ctx.pool, ctx.tables, segments);
}

export async function recordOf(ctx: PgStoreContext, row: ThreadRow, includeHistory: boolean): Promise<ThreadRecord> {
  const thread = toStoredThread(row);
  return includeHistory ? { ...thread, history: parseLines(await rawHistory(ctx, row.thread_id)) } : thread;
}

export async function updateRow(ctx: PgStoreContext, threadId: ThreadId, set: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(set);
  await rolloutSafe(ctx, set["rollout_path"] as string | undefined, () =>
    ctx.pool.query(
      `UPDATE ${ctx.tables.threads} SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(", ")} WHERE thread_id = $1`,
      [threadId, ...Object.values(set)],
    ),
  );
}

/** Runs a statement that may set `rollout_path`; a path owned by another thread → ConflictError. */
export async function rolloutSafe<R extends pg.QueryResultRow>(ctx: PgStoreContext, path: string | undefined, run: () => Promise<pg.QueryResult<R>>): Promise<R[]> {
  try {
    return (await run()).rows;
  } catch (error) {
    if (path !== undefined && (error as { code?: string }).code === "23505") {
      const { rows } = await ctx.pool.query<{ thread_id: string }>(
        `SELECT thread_id FROM ${ctx.tables.threads} WHERE rollout_path = $1`,
        [path],
      );
      throw new ConflictError(`rollout path ${path} already belongs to thread ${rows[0]?.thread_id ?? "another thread"}`);
    }
    throw error;
  }
}

export async function insertThreadRow(ctx: PgStoreContext, client: pg.PoolClient, values: Record<string, unknown>): Promise<boolean> {
  const columns = Object.keys(values);
  const placeholders = columns.map((c, i) => (c === "source" || c === "permission_profile" ? `$${i + 1}::jsonb` : `$${i + 1}`));
  const { rowCount } = await client.query(
    `INSERT INTO ${ctx.tables.threads} (${columns.join(", ")}) VALUES (${placeholders.join(", ")})
     ON CONFLICT (thread_id) DO NOTHING`,
    Object.values(values),
  );
  return rowCount === 1;
}

export function assertNoLocalWriter(ctx: PgStoreContext, threadId: ThreadId): void {
  if (ctx.writers.has(threadId)) {
    const holder = ctx.leases.holder;
    throw new ConflictError(`thread ${threadId} already has a live writer (held by ${holder})`, { holder });
  }
}

export function liveWriter(ctx: PgStoreContext, threadId: ThreadId): LiveWriter {
  const writer = ctx.writers.get(threadId);
  if (!writer) throw new ThreadNotFoundError(threadId);
  return writer;
}

/** Chains `op` after the writer's earlier writes; a failure rejects this call only. */
export function enqueue(writer: LiveWriter, op: () => Promise<void>): Promise<void> {
  const run = writer.queue.then(op, op);
  writer.queue = run.catch(() => undefined);
  return guard(() => run);
}

export function toStoreError(error: unknown): Error {
  if (isThreadStoreError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`postgres: ${message}`, { cause: error });
}
