import { sessionSourceKey, type StoredThread } from "@skein/protocol";
import { InvalidRequestError } from "../errors.js";
import type { SortDirection, ThreadPage, ThreadSortKey } from "../types.js";
import { decodeCursor, encodeCursor, type CursorScope } from "./page-cursor.js";
import type { NormalizedListThreadsQuery } from "./request-validation.js";

// Behaviour: docs/thread-store.md, "Listing parameters" (and listability: no preview, not listed).

/** True when a thread may appear in a list: Codex hides threads whose preview is empty. */
export function isListable(thread: StoredThread): boolean {
  return thread.preview.length > 0;
}

/** The value a thread sorts by for `sortKey`. */
export function sortValueOf(thread: StoredThread, sortKey: ThreadSortKey): number {
  if (sortKey === "updated") return thread.updatedAt;
  if (sortKey === "recency") return thread.recencyAt;
  return thread.createdAt;
}

/** Orders threads by `sortKey` then id, both in `direction`. */
export function compareThreads(sortKey: ThreadSortKey, direction: SortDirection) {
  const sign = direction === "asc" ? 1 : -1;
  return (a: StoredThread, b: StoredThread): number => sign * compareKeys(sortValueOf(a, sortKey), a.threadId, sortValueOf(b, sortKey), b.threadId);
}

/**
 * True when `thread` passes every filter of `query` except the page window: collection
 * (active or archived), listability, sources (by `sessionSourceKey`), providers, cwd
 * (`[]` matches nothing), parent, and the case-insensitive search term over name, title
 * and preview.
 */
export function matchesListQuery(thread: StoredThread, query: NormalizedListThreadsQuery): boolean {
  if (thread.archived !== query.archived || !isListable(thread)) return false;
  if (query.sources && !query.sources.includes(sessionSourceKey(thread.source))) return false;
  if (query.modelProviders && !query.modelProviders.includes(thread.modelProvider)) return false;
  if (query.cwdFilters && !query.cwdFilters.includes(thread.cwd)) return false;
  if (query.parentThreadId !== undefined && thread.parentThreadId !== query.parentThreadId) return false;
  if (query.searchTerm !== undefined) {
    const term = query.searchTerm.toLowerCase();
    const fields = [thread.name, thread.title, thread.preview];
    if (!fields.some((f) => f !== undefined && f.toLowerCase().includes(term))) return false;
  }
  return true;
}

/** The cursor scope of a list query: every filter and the order, not the page size. */
export function listCursorScope(query: NormalizedListThreadsQuery): CursorScope {
  const { pageSize: _pageSize, cursor: _cursor, ...rest } = query;
  return { operation: "listThreads", query: { ...rest, sources: sorted(rest.sources), modelProviders: sorted(rest.modelProviders) } };
}

/**
 * One keyset page of `threads` (any order, unfiltered) for `query`. The cursor holds the
 * last thread's sort value and id, so threads created or updated between pages never make
 * a walk repeat or skip a thread that kept its place. `scope` defaults to the list query's;
 * another operation that pages threads (search) passes its own.
 * @throws InvalidRequestError `invalid cursor: …`
 */
export function pageThreads(
  threads: Iterable<StoredThread>,
  query: NormalizedListThreadsQuery,
  scope: CursorScope = listCursorScope(query),
): ThreadPage {
  const anchor = query.cursor === undefined ? undefined : keysetFrom(decodeCursor(query.cursor, scope));
  const sign = query.sortDirection === "asc" ? 1 : -1;
  const eligible: StoredThread[] = [];
  for (const thread of threads) {
    if (!matchesListQuery(thread, query)) continue;
    if (anchor && sign * compareKeys(sortValueOf(thread, query.sortKey), thread.threadId, anchor.v, anchor.id) <= 0) continue;
    eligible.push(thread);
  }
  eligible.sort(compareThreads(query.sortKey, query.sortDirection));
  const items = eligible.slice(0, query.pageSize);
  const last = items.at(-1);
  if (eligible.length <= items.length || !last) return { items };
  return { items, nextCursor: encodeCursor(scope, { v: sortValueOf(last, query.sortKey), id: last.threadId }) };
}

function compareKeys(av: number, aid: string, bv: number, bid: string): number {
  if (av !== bv) return av < bv ? -1 : 1;
  return aid < bid ? -1 : aid > bid ? 1 : 0;
}

function keysetFrom(value: unknown): { v: number; id: string } {
  const record = value as { v?: unknown; id?: unknown } | null;
  if (record && typeof record.v === "number" && typeof record.id === "string") return { v: record.v, id: record.id };
  throw new InvalidRequestError("invalid cursor: not a cursor issued by this store");
}

function sorted(values: string[] | undefined): string[] | undefined {
  return values ? [...values].sort() : undefined;
}
