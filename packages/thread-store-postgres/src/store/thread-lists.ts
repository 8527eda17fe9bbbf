import type { StoredThread } from "@skein/protocol";
import { decodeCursor, encodeCursor, InvalidRequestError, listCursorScope, normalizeListThreadsParams, normalizeSearchParams, searchSnippet, type CursorScope, type ListThreadsParams, type SearchThreadsParams, type ThreadPage, type ThreadSearchPage } from "@skein/thread-store";
import { listThreadsStatement, searchThreadsStatement, type Keyset } from "../internal/list-queries.js";
import { toStoredThread, type ThreadRow } from "../internal/sql.js";
import { guard, type PgStoreContext } from "./context.js";

// listThreads and searchThreads: keyset pages over partial indexes, PostgreSQL full-text search.

export async function listThreads(ctx: PgStoreContext, params: ListThreadsParams): Promise<ThreadPage> {
  const query = normalizeListThreadsParams(params);
  const scope = listCursorScope(query);
  const anchor = query.cursor === undefined ? undefined : keysetFrom(decodeCursor(query.cursor, scope));
  if (query.cwdFilters?.length === 0) return { items: [] };
  return guard(async () => {
    const statement = listThreadsStatement(ctx.tables, query, anchor);
    const { rows } = await ctx.pool.query<ThreadRow>(statement.text, statement.values);
    return pageOf(rows.map(toStoredThread), query.pageSize, scope, (t) => sortValue(t, query.sortKey));
  });
}

export async function searchThreads(ctx: PgStoreContext, params: SearchThreadsParams): Promise<ThreadSearchPage> {
  const search = normalizeSearchParams(params);
  const scope: CursorScope = {
    operation: "searchThreads",
    query: { searchTerm: search.searchTerm, archived: search.archived, sources: search.sources?.slice().sort() },
  };
  const anchor = search.cursor === undefined ? undefined : keysetFrom(decodeCursor(search.cursor, scope));
  return guard(async () => {
    const statement = searchThreadsStatement(ctx.tables, search, anchor);
    type Hit = ThreadRow & { summary_headline: string | null; message_headline: string | null };
    const { rows } = await ctx.pool.query<Hit>(statement.text, statement.values);
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
