import type { ItemPage, ThreadStore } from "@skein/thread-store";
import { encodeCursor } from "@skein/thread-store";
import { toTranscript, type TranscriptEntry } from "@skein/viewer";

/** Lines read per store page when paging a thread back. */
export const LINES_PER_PAGE = 200;
/** A page back stops once it has this many readable entries (or reaches the start). */
const MIN_ENTRIES = 30;
/** …or after this many store pages, so a run of unreadable lines cannot stall a request. */
const MAX_PAGES_PER_REQUEST = 5;

/** A page of a thread as the viewer shows it. */
export interface EntryPage {
  /** Oldest first. */
  entries: TranscriptEntry[];
  /** Cursor continuing towards older lines; null at the start of the thread. */
  before: string | null;
  /** The newest line position seen (-1 for an empty thread). */
  lastPosition: number;
}

/**
 * A `listItems` cursor that resumes after `position` in `direction`. Every store pages history
 * with the shared cursor scope of @skein/thread-store (`itemsCursorScope`: thread id and
 * direction), so a cursor made here is one the store would have issued (docs/viewer.md).
 */
export function itemsCursorAt(threadId: string, direction: "asc" | "desc", position: number): string {
  return encodeCursor({ operation: "listItems", query: { threadId, sortDirection: direction } }, position);
}

async function pageBack(store: ThreadStore, threadId: string, cursor: string | undefined): Promise<{ items: ItemPage["items"]; before: string | null }> {
  const items: ItemPage["items"] = [];
  let next = cursor;
  let readable = 0;
  for (let pages = 0; pages < MAX_PAGES_PER_REQUEST; pages++) {
    const page = await store.listItems({ threadId, includeArchived: true, sortDirection: "desc", pageSize: LINES_PER_PAGE, ...(next !== undefined && { cursor: next }) });
    items.push(...page.items);
    readable += toTranscript(page.items, 1).length;
    next = page.nextCursor;
    if (next === undefined || readable >= MIN_ENTRIES) break;
  }
  items.reverse();
  return { items, before: next ?? null };
}

/** The newest line position of a thread, or -1 when it has none. */
async function lastPositionOf(store: ThreadStore, threadId: string): Promise<number> {
  const page = await store.listItems({ threadId, includeArchived: true, sortDirection: "desc", pageSize: 1 });
  return page.items[0]?.position ?? -1;
}

/** The thread's end (newest lines), or the page before `before`. */
export async function entriesBefore(store: ThreadStore, threadId: string, before: string | undefined): Promise<EntryPage> {
  const { items, before: older } = await pageBack(store, threadId, before);
  const lastPosition = before === undefined ? (items.at(-1)?.position ?? -1) : -1;
  return { entries: toTranscript(items), before: older, lastPosition };
}

/** The lines around `position` (a linked message), older pages reachable from there. */
export async function entriesAround(store: ThreadStore, threadId: string, position: number): Promise<EntryPage> {
  const lastPosition = await lastPositionOf(store, threadId);
  // A few lines past the message, never past the end (a cursor beyond the last line is not one
  // every store's pager answers: the shared pageItems returns nothing from there).
  const anchor = position + 20;
  const { items, before } = await pageBack(store, threadId, anchor <= lastPosition ? itemsCursorAt(threadId, "desc", anchor) : undefined);
  return { entries: toTranscript(items), before, lastPosition };
}

/** Every line after `after` (what another process appended since), up to a bound. */
export async function entriesAfter(store: ThreadStore, threadId: string, after: number): Promise<EntryPage> {
  const page = await store.listItems({ threadId, includeArchived: true, sortDirection: "asc", pageSize: 1000, cursor: itemsCursorAt(threadId, "asc", after) });
  return { entries: toTranscript(page.items), before: null, lastPosition: page.items.at(-1)?.position ?? after };
}
