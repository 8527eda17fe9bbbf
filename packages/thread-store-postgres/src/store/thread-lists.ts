import type { StoredThread } from "@skein/protocol";
import { decodeCursor, encodeCursor, InvalidRequestError, listCursorScope, normalizeListThreadsParams, type CursorScope, type ListThreadsParams, type ThreadPage } from "@skein/thread-store";
import { listThreadsStatement, type Keyset } from "../internal/list-queries.js";
import { toStoredThread, type ThreadRow } from "../internal/sql.js";
import { guard, type PgStoreContext } from "./context.js";

// listThreads: keyset pages over partial indexes (searchThreads: content-search.ts).

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
