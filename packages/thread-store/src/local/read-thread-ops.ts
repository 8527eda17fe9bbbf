import type { SessionMeta } from "@skein/protocol";
import { isArchivedPath, readRollout } from "@skein/rollout";
import { InvalidRequestError, ThreadNotFoundError } from "../errors.js";
import { archivedThreadDetail, normalizeHistoryPageParams, pageItems, pageTurns, parseThreadId } from "../history/index.js";
import type { ItemPage, ListItemsParams, ListTurnsParams, LoadHistoryParams, ReadThreadByRolloutPathParams, ReadThreadParams, StoredThreadHistory, ThreadRecord, TurnPage } from "../types.js";
import { resolveRolloutPathParam } from "./home-paths.js";
import { pageIndexedItems, pageIndexedTurns } from "./indexed-history-pages.js";
import { IndexedHistory } from "./indexed-history.js";
import { internal } from "./live-writers.js";
import { locate, recordOf, historyLines, pathOf } from "./locate-thread.js";
import type { LocalStoreContext } from "./store-context.js";

// Reads of one thread: its summary, its whole history, and pages of turns or items.

export async function readThread(ctx: LocalStoreContext, params: ReadThreadParams): Promise<ThreadRecord> {
  const threadId = parseThreadId(params?.threadId);
  const loc = await locate(ctx, threadId, params.includeArchived ?? false);
  if (!loc) throw new ThreadNotFoundError(threadId);
  return recordOf(ctx, threadId, loc, params.includeHistory ?? false);
}

export async function readThreadByRolloutPath(ctx: LocalStoreContext, params: ReadThreadByRolloutPathParams): Promise<ThreadRecord> {
  const path = await resolveRolloutPathParam(ctx.home, params?.rolloutPath);
  let meta: SessionMeta | undefined;
  try {
    meta = (await readRollout(path, { end: undefined })).meta;
  } catch (error) {
    throw new InvalidRequestError(`rollout ${params.rolloutPath} is not readable`, { cause: error });
  }
  if (!meta) throw new InvalidRequestError(`rollout ${params.rolloutPath} does not start with session metadata`);
  const archived = isArchivedPath(ctx.home, path);
  if (archived && !params.includeArchived) throw new InvalidRequestError(archivedThreadDetail(meta.id));
  return recordOf(ctx, meta.id, { path, archived }, params.includeHistory ?? false);
}

export async function loadHistory(ctx: LocalStoreContext, params: LoadHistoryParams): Promise<StoredThreadHistory> {
  const threadId = parseThreadId(params?.threadId);
  const loc = await locate(ctx, threadId, params.includeArchived ?? false);
  if (!loc) throw new ThreadNotFoundError(threadId);
  return { threadId, items: await historyLines(ctx, loc.path) };
}

export async function listTurns(ctx: LocalStoreContext, params: ListTurnsParams): Promise<TurnPage> {
  const query = normalizeHistoryPageParams(params);
  const path = await pathOf(ctx, query.threadId, query.includeArchived);
  const indexed = await openIndexedHistory(ctx, path);
  return indexed ? pageIndexedTurns(indexed, query) : pageTurns(await historyLines(ctx, path), query);
}

export async function listItems(ctx: LocalStoreContext, params: ListItemsParams): Promise<ItemPage> {
  const query = normalizeHistoryPageParams(params);
  const path = await pathOf(ctx, query.threadId, query.includeArchived);
  const indexed = await openIndexedHistory(ctx, path);
  return indexed ? pageIndexedItems(indexed, query) : pageItems(await historyLines(ctx, path), query);
}

/** The history served from item indexes (pages read from byte offsets), or undefined to read it whole. */
export async function openIndexedHistory(ctx: LocalStoreContext, path: string): Promise<IndexedHistory | undefined> {
  try {
    return await IndexedHistory.open(ctx.home, path, ctx.itemIndexes);
  } catch (error) {
    throw internal(`failed to load history from ${path}`, error);
  }
}
