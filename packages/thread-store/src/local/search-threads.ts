import { InvalidCursorError, ftsQueryOf, type ThreadRow } from "@skein/state";
import { InvalidRequestError } from "../errors.js";
import { normalizeSearchParams, searchSnippet, encodeCursor, decodeCursor, matchesListQuery, type NormalizedListThreadsQuery } from "../history/index.js";
import type { SearchThreadsParams, ThreadSearchHit, ThreadSearchPage } from "../types.js";
import { RolloutPathGuard } from "./home-paths.js";
import { dbList, allFileThreads } from "./list-threads.js";
import { internal } from "./live-writers.js";
import type { LocalStoreContext } from "./store-context.js";
import { storedThreadFromRow } from "./thread-row-mapping.js";

// searchThreads: full-text search of the index, a substring scan for terms FTS cannot match, or a file scan.

export async function searchThreads(ctx: LocalStoreContext, params: SearchThreadsParams): Promise<ThreadSearchPage> {
  const query = normalizeSearchParams(params);
  if (ctx.db && ftsQueryOf(query.searchTerm) === undefined) {
    // A term with no word characters (e.g. `%`) has nothing for FTS to match: substring scan of the index.
    const page = dbList(ctx, {
      pageSize: query.pageSize, cursor: query.cursor, sortKey: "recency", sortDirection: "desc", sources: query.sources,
      modelProviders: undefined, cwdFilters: undefined, archived: query.archived, searchTerm: query.searchTerm, parentThreadId: undefined,
    });
    const guard = new RolloutPathGuard(ctx.home);
    const items = page.items.flatMap((row) => {
      const snippet = [row.name, row.title, row.preview, row.firstUserMessage]
        .map((t) => (t ? searchSnippet(t, query.searchTerm) : undefined))
        .find((x) => x !== undefined);
      return snippet !== undefined && guard.usable(row.rolloutPath) ? [{ thread: storedThreadFromRow(row), snippet }] : [];
    });
    return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
  }
  if (ctx.db) {
    let page;
    try {
      page = ctx.db.searchThreads({
        term: query.searchTerm,
        pageSize: query.pageSize,
        archived: query.archived,
        ...(query.sources ? { sources: query.sources } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new InvalidRequestError(error.message, { cause: error });
      throw internal("failed to search threads", error);
    }
    const guard = new RolloutPathGuard(ctx.home);
    const items: ThreadSearchHit[] = page.items
      .filter((hit) => guard.usable(hit.row.rolloutPath) && containsTerm(hit.row, query.searchTerm))
      .map((hit) => ({ thread: storedThreadFromRow(hit.row), snippet: hit.snippet }));
    return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
  }
  return fileSearch(ctx, query);
}

export async function fileSearch(ctx: LocalStoreContext, query: ReturnType<typeof normalizeSearchParams>): Promise<ThreadSearchPage> {
  const scope = { operation: "searchThreads" as const, query: { term: query.searchTerm, archived: query.archived, sources: query.sources } };
  const after = query.cursor === undefined ? undefined : (decodeCursor(query.cursor, scope) as { v: number; id: string });
  const listQuery: NormalizedListThreadsQuery = {
    pageSize: 1000, cursor: undefined, sortKey: "recency", sortDirection: "desc", sources: query.sources,
    modelProviders: undefined, cwdFilters: undefined, archived: query.archived, searchTerm: undefined, parentThreadId: undefined,
  };
  const hits: ThreadSearchHit[] = [];
  const threads = (await allFileThreads(ctx, query.archived))
    .filter((t) => matchesListQuery(t, listQuery))
    .sort((a, b) => b.recencyAt - a.recencyAt || (a.threadId < b.threadId ? 1 : -1));
  for (const thread of threads) {
    if (after && (thread.recencyAt > after.v || (thread.recencyAt === after.v && thread.threadId >= after.id))) continue;
    const snippet = [thread.name, thread.title, thread.preview, thread.firstUserMessage]
      .map((text) => (text ? searchSnippet(text, query.searchTerm) : undefined))
      .find((s) => s !== undefined);
    if (snippet !== undefined) hits.push({ thread, snippet });
  }
  const items = hits.slice(0, query.pageSize);
  const last = items.at(-1);
  if (hits.length <= items.length || !last) return { items };
  return { items, nextCursor: encodeCursor(scope, { v: last.thread.recencyAt, id: last.thread.threadId }) };
}


/**
 * FTS matches words (and drops punctuation such as `*`); the contract is a plain-text substring,
 * so FTS hits are confirmed against the texts.
 */
function containsTerm(row: ThreadRow, term: string): boolean {
  return [row.name, row.title, row.preview, row.firstUserMessage].some((t) => t !== undefined && searchSnippet(t, term) !== undefined);
}
