import type pg from "pg";
import { sessionSourceKey, type ThreadId } from "@skein/protocol";
import { persistedRolloutItems } from "@skein/rollout";
import { assertRolloutItems, ConflictError, createSessionMetaItem, DEFAULT_CLI_VERSION, InvalidRequestError, parseThreadId, requireCwd, ThreadNotFoundError, type AppendThreadItemsParams, type CreateThreadParams, type ResumeThreadParams, type ThreadIdParams } from "@skein/thread-store";
import { historySegments, insertLines, lineArrays, prepareItem, readRawLines, unnestSource, type PreparedLine } from "../internal/history-rows.js";
import type { ForkThreadParams } from "../types.js";
import { guard, transaction, visibleRow, updateRow, insertThreadRow, assertNoLocalWriter, liveWriter, enqueue, type PgStoreContext, type LiveWriter, type Draft } from "./context.js";

// Live writers: create, fork, resume, append, persist, flush, shut down, discard. A created thread
// becomes durable on its first write (`materialize`); appends are one statement each.

export async function createThread(ctx: PgStoreContext, params: CreateThreadParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  return guard(() => createLive(ctx, threadId, params, undefined));
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
export async function forkThread(ctx: PgStoreContext, params: ForkThreadParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  const parentId = parseThreadId(params.parentThreadId, "parentThreadId");
  return guard(async () => {
    const { rows } = await ctx.pool.query<{ next_seq: string }>(
      `SELECT next_seq FROM ${ctx.tables.threads} WHERE thread_id = $1`,
      [parentId],
    );
    if (!rows[0]) throw new ThreadNotFoundError(parentId);
    const length = Number(rows[0].next_seq);
    const base = params.baseSeqExclusive ?? length;
    if (!Number.isInteger(base) || base < 1 || base > length) {
      throw new InvalidRequestError(`baseSeqExclusive must be an integer from 1 to ${length}, got ${String(base)}`);
    }
    const segments = (await historySegments(ctx.pool, ctx.tables, parentId)) ?? [];
    const prefix = segments.map((s) => ({ ...s, to: Math.min(s.to, base) })).filter((s) => s.to > s.from);
    const bytes = (await readRawLines(ctx.pool, ctx.tables, prefix)).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    const historyBase = { thread_id: parentId, end_ordinal_exclusive: base, end_byte_offset: bytes };
    await createLive(ctx, threadId, { ...params, forkedFromId: parentId, historyMode: "paginated" }, {
      base: { threadId: parentId, seqExclusive: base },
      metaExtra: { forked_from_ordinal_exclusive: base, history_base: historyBase },
    });
  });
}

export async function resumeThread(ctx: PgStoreContext, params: ResumeThreadParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  requireCwd(params.metadata);
  return guard(async () => {
    assertNoLocalWriter(ctx, threadId);
    const row = await visibleRow(ctx, threadId, params.includeArchived ?? false);
    await ctx.leases.acquire(threadId);
    try {
      if (params.rolloutPath !== undefined) await updateRow(ctx, threadId, { rollout_path: params.rolloutPath });
    } catch (error) {
      await ctx.leases.release(threadId);
      throw error;
    }
    ctx.writers.set(threadId, {
      materialized: true,
      paginated: row.history_mode === "paginated",
      pending: [],
      draft: undefined,
      queue: Promise.resolve(),
    });
  });
}

export async function appendItems(ctx: PgStoreContext, params: AppendThreadItemsParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  assertRolloutItems(params.items);
  const writer = liveWriter(ctx, threadId);
  const kept = persistedRolloutItems(params.items);
  if (kept.length === 0) return;
  const now = ctx.now();
  const lines = kept.map((item) => prepareItem(item, now));
  if (!writer.materialized) {
    writer.pending.push(...lines);
    return;
  }
  return enqueue(writer, () => writeAppend(ctx, threadId, writer, lines, now));
}

export async function persistThread(ctx: PgStoreContext, params: ThreadIdParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  const writer = liveWriter(ctx, threadId);
  return enqueue(writer, () => materialize(ctx, threadId, writer));
}

export async function flushThread(ctx: PgStoreContext, params: ThreadIdParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  const writer = liveWriter(ctx, threadId);
  return enqueue(writer, async () => {
    if (!writer.materialized && writer.pending.length > 0) await materialize(ctx, threadId, writer);
  });
}

export async function shutdownThread(ctx: PgStoreContext, params: ThreadIdParams): Promise<void> {
  await flushThread(ctx, params);
  const threadId = params.threadId;
  if (ctx.writers.delete(threadId)) await guard(() => ctx.leases.release(threadId));
}

export async function discardThread(ctx: PgStoreContext, params: ThreadIdParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  const writer = liveWriter(ctx, threadId);
  writer.pending = [];
  ctx.writers.delete(threadId);
  await writer.queue.catch(() => undefined);
  await guard(() => ctx.leases.release(threadId));
}

export async function createLive(
  ctx: PgStoreContext,
  threadId: ThreadId,
  params: CreateThreadParams,
  fork: { base: Draft["base"]; metaExtra: Record<string, unknown> } | undefined,
): Promise<void> {
  const forkedFromId = params.forkedFromId === undefined ? undefined : parseThreadId(params.forkedFromId, "forkedFromId");
  const parentThreadId = params.parentThreadId === undefined ? undefined : parseThreadId(params.parentThreadId, "parentThreadId");
  const cwd = requireCwd(params.metadata);
  assertNoLocalWriter(ctx, threadId);
  await guard(async () => {
    await ctx.leases.acquire(threadId);
    const { rows } = await ctx.pool.query(`SELECT 1 FROM ${ctx.tables.threads} WHERE thread_id = $1`, [threadId]);
    if (rows.length > 0) {
      await ctx.leases.release(threadId);
      throw new ConflictError(`thread ${threadId} already exists`);
    }
  });
  const now = ctx.now();
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
  ctx.writers.set(threadId, {
    materialized: false,
    paginated: historyMode === "paginated",
    pending: [],
    draft: { meta: prepareItem(item, now), values, base: fork?.base },
    queue: Promise.resolve(),
  });
}

/** Makes a created thread durable: its row, `session_meta`, and pending lines, atomically. */
export async function materialize(ctx: PgStoreContext, threadId: ThreadId, writer: LiveWriter): Promise<void> {
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
  await transaction(ctx, async (client) => {
    await assertLease(ctx, client, threadId);
    if (!(await insertThreadRow(ctx, client, values))) throw new ConflictError(`thread ${threadId} already exists`);
    await insertLines(client, ctx.tables, threadId, first, writer.paginated, lines);
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
export async function writeAppend(ctx: PgStoreContext, threadId: ThreadId, writer: LiveWriter, lines: PreparedLine[], now: number): Promise<void> {
  const lost = ctx.leases.lostTo(threadId);
  if (lost !== undefined) throw new ConflictError(`thread ${threadId} already has a live writer (held by ${lost})`, { holder: lost });
  const { rowCount } = await ctx.pool.query(
    `WITH lease AS (
       SELECT thread_id FROM ${ctx.tables.writers} WHERE thread_id = $1 AND holder = $2 FOR SHARE
     ), bump AS (
       UPDATE ${ctx.tables.threads} t SET next_seq = t.next_seq + $3::bigint, updated_at_ms = GREATEST(t.updated_at_ms, $4::bigint)
       FROM lease WHERE t.thread_id = lease.thread_id
       RETURNING t.next_seq - $3::bigint AS first
     )
     INSERT INTO ${ctx.tables.items} (thread_id, seq, ts, type, payload, metadata, raw)
     SELECT $1, bump.first + u.ord - 1, u.ts, u.type, u.payload::jsonb, u.metadata::jsonb,
            u.head || CASE WHEN $5::boolean THEN ',"ordinal":' || (bump.first + u.ord - 1) ELSE '' END || u.tail
     FROM bump, ${unnestSource(6)}`,
    [threadId, ctx.leases.holder, lines.length, now, writer.paginated, ...lineArrays(lines)],
  );
  if (rowCount === lines.length) return;
  const exists = await ctx.pool.query(`SELECT 1 FROM ${ctx.tables.threads} WHERE thread_id = $1`, [threadId]);
  if (exists.rows.length === 0) throw new ThreadNotFoundError(threadId);
  throw await ctx.leases.conflict(threadId);
}

export async function assertLease(ctx: PgStoreContext, client: pg.PoolClient, threadId: ThreadId): Promise<void> {
  const { rows } = await client.query(
    `SELECT 1 FROM ${ctx.tables.writers} WHERE thread_id = $1 AND holder = $2 FOR SHARE`,
    [threadId, ctx.leases.holder],
  );
  if (rows.length === 0) throw await ctx.leases.conflict(threadId);
}
