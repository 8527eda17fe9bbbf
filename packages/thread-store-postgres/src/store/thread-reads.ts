import { archivedThreadDetail, InvalidRequestError, normalizeHistoryPageParams, pageItems, pageTurns, parseThreadId, type ItemPage, type ListItemsParams, type ListTurnsParams, type LoadHistoryParams, type ReadThreadByRolloutPathParams, type ReadThreadParams, type StoredThreadHistory, type ThreadRecord, type TurnPage } from "@skein/thread-store";
import { parseLines } from "../internal/history-rows.js";
import { THREAD_COLUMNS, type ThreadRow } from "../internal/sql.js";
import { guard, visibleRow, rawHistory, recordOf, type PgStoreContext } from "./context.js";

// Reads of one thread: summary, history (a fork's prefix resolved), pages of turns or items.

export async function loadHistory(ctx: PgStoreContext, params: LoadHistoryParams): Promise<StoredThreadHistory> {
  const threadId = parseThreadId(params?.threadId);
  return guard(async () => {
    await visibleRow(ctx, threadId, params.includeArchived ?? false);
    return { threadId, items: parseLines(await rawHistory(ctx, threadId)) };
  });
}

/**
 * The thread's history as the exact JSON lines stored (a fork's prefix resolved), for
 * byte-faithful export. Same visibility rules as `loadHistory`.
 */
export async function loadRawHistory(ctx: PgStoreContext, params: LoadHistoryParams): Promise<string[]> {
  const threadId = parseThreadId(params?.threadId);
  return guard(async () => {
    await visibleRow(ctx, threadId, params.includeArchived ?? false);
    return rawHistory(ctx, threadId);
  });
}

export async function readThread(ctx: PgStoreContext, params: ReadThreadParams): Promise<ThreadRecord> {
  const threadId = parseThreadId(params?.threadId);
  return guard(async () => {
    const row = await visibleRow(ctx, threadId, params.includeArchived ?? false);
    return recordOf(ctx, row, params.includeHistory ?? false);
  });
}

export async function readThreadByRolloutPath(ctx: PgStoreContext, params: ReadThreadByRolloutPathParams): Promise<ThreadRecord> {
  const path = params?.rolloutPath;
  if (typeof path !== "string" || path === "") throw new InvalidRequestError("rolloutPath must be a non-empty string");
  return guard(async () => {
    const { rows } = await ctx.pool.query<ThreadRow>(
      `SELECT ${THREAD_COLUMNS} FROM ${ctx.tables.threads} WHERE rollout_path = $1`,
      [path],
    );
    const row = rows[0];
    if (!row) throw new InvalidRequestError(`no thread at rollout path ${path}`);
    if (row.archived && !(params.includeArchived ?? false)) throw new InvalidRequestError(archivedThreadDetail(row.thread_id));
    return recordOf(ctx, row, params.includeHistory ?? false);
  });
}

export async function listTurns(ctx: PgStoreContext, params: ListTurnsParams): Promise<TurnPage> {
  const query = normalizeHistoryPageParams(params);
  return guard(async () => {
    await visibleRow(ctx, query.threadId, query.includeArchived);
    return pageTurns(parseLines(await rawHistory(ctx, query.threadId)), query);
  });
}

export async function listItems(ctx: PgStoreContext, params: ListItemsParams): Promise<ItemPage> {
  const query = normalizeHistoryPageParams(params);
  return guard(async () => {
    await visibleRow(ctx, query.threadId, query.includeArchived);
    return pageItems(parseLines(await rawHistory(ctx, query.threadId)), query);
  });
}
