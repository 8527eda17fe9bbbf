import { readSessionNames, scanRolloutFiles } from "@skein/rollout";
import { InvalidCursorError, type ThreadRow } from "@skein/state";
import { InvalidRequestError } from "../errors.js";
import { normalizeListThreadsParams, pageThreads, type NormalizedListThreadsQuery } from "../history/index.js";
import type { ListThreadsParams, ThreadPage } from "../types.js";
import { RolloutPathGuard } from "./home-paths.js";
import { internal } from "./live-writers.js";
import { locateAny, fileRow } from "./locate-thread.js";
import type { LocalStoreContext } from "./store-context.js";
import { storedThreadFromRow } from "./thread-row-mapping.js";

// listThreads: from the index when there is one (rows whose file vanished are repaired), else from the files.

export async function listThreads(ctx: LocalStoreContext, params: ListThreadsParams): Promise<ThreadPage> {
  const query = normalizeListThreadsParams(params);
  if (query.cwdFilters && query.cwdFilters.length === 0) return { items: [] };
  if (!ctx.db) return pageThreads(await allFileThreads(ctx, query.archived), query);
  for (let attempt = 0; ; attempt++) {
    const page = dbList(ctx, query);
    const guard = new RolloutPathGuard(ctx.home);
    const vanished = page.items.filter((row) => !guard.usable(row.rolloutPath));
    if (vanished.length === 0 || attempt >= 3) {
      const items = page.items.filter((row) => !vanished.includes(row)).map(storedThreadFromRow);
      return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
    }
    // Rows whose file vanished are repaired (moved → new path; gone → row dropped), then the page is re-read.
    for (const row of vanished) await locateAny(ctx, row.threadId);
  }
}

export function dbList(ctx: LocalStoreContext, query: NormalizedListThreadsQuery): { items: ThreadRow[]; nextCursor?: string | undefined } {
  try {
    return ctx.db!.listThreads({
      pageSize: query.pageSize,
      sortKey: query.sortKey,
      sortDirection: query.sortDirection,
      archived: query.archived,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      ...(query.sources ? { sources: query.sources } : {}),
      ...(query.modelProviders ? { modelProviders: query.modelProviders } : {}),
      ...(query.cwdFilters ? { cwdFilters: query.cwdFilters } : {}),
      ...(query.searchTerm !== undefined ? { searchTerm: query.searchTerm } : {}),
      ...(query.parentThreadId !== undefined ? { parentThreadId: query.parentThreadId } : {}),
    });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new InvalidRequestError(error.message, { cause: error });
    throw internal("failed to list threads", error);
  }
}

/** Every thread of one collection, summarized from the files (files-only mode). */
export async function allFileThreads(ctx: LocalStoreContext, archived: boolean) {
  const names = await readSessionNames(ctx.home);
  const out = [];
  for (const file of await scanRolloutFiles(ctx.home, { archived })) {
    if (file.size === 0) continue; // a thread never written: not a thread yet
    try {
      out.push(storedThreadFromRow(await fileRow(ctx, file.threadId, { path: file.path, archived }, names)));
    } catch {
      // An unreadable file is reported by checkHome; one bad file never fails a list.
    }
  }
  return out;
}
