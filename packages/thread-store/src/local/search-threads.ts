import { statSync } from "node:fs";
import { extractThreadMetadataSync, type ExtractedMessage } from "@skein/rollout";
import { InvalidArgumentError, InvalidCursorError, type MessageHit, type ThreadContentHit } from "@skein/state";
import { InvalidRequestError } from "../errors.js";
import { dropInherited, normalizeSearchParams, searchCandidates, searchMatchOf, type NormalizedSearchQuery, type SearchCandidate } from "../history/index.js";
import type { SearchThreadsParams, ThreadSearchHit, ThreadSearchPage } from "../types.js";
import { RolloutPathGuard } from "./home-paths.js";
import { allFileThreads } from "./list-threads.js";
import { internal } from "./live-writers.js";
import { syncLiveMessages } from "./message-sync.js";
import type { LocalStoreContext } from "./store-context.js";
import { storedThreadFromRow } from "./thread-row-mapping.js";

// searchThreads (docs/search.md): the message index when there is one; without SQLite, a scan of
// every rollout with the same rules (history/content-search.ts).

export async function searchThreads(ctx: LocalStoreContext, params: SearchThreadsParams): Promise<ThreadSearchPage> {
  const query = normalizeSearchParams(params);
  if (!ctx.db) return fileSearch(ctx, query);
  // What this process's live writers wrote since their last metadata write is searchable too.
  syncLiveMessages(ctx);
  let page;
  try {
    page = ctx.db.searchMessages({
      query: query.searchTerm,
      includeTools: query.includeTools,
      sort: query.sortKey,
      pageSize: query.pageSize,
      archived: query.archived,
      hitsPerThread: query.hitsPerThread,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      ...(query.sources ? { sources: query.sources } : {}),
      ...(query.modelProviders ? { modelProviders: query.modelProviders } : {}),
      ...(query.cwdFilters ? { cwdFilters: query.cwdFilters } : {}),
    });
  } catch (error) {
    if (error instanceof InvalidCursorError || error instanceof InvalidArgumentError) {
      throw new InvalidRequestError(error.message, { cause: error });
    }
    throw internal("failed to search threads", error);
  }
  const guard = new RolloutPathGuard(ctx.home);
  const items = page.items.filter((hit) => guard.usable(hit.row.rolloutPath)).map(hitOf);
  return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
}

function hitOf(hit: ThreadContentHit): ThreadSearchHit {
  const matches = hit.hits.map((h: MessageHit) => searchMatchOf(h.role, h.snippet, { position: h.position, turnId: h.turnId, at: h.atMs }));
  return { thread: storedThreadFromRow(hit.row), snippet: matches[0]!.snippet, score: hit.score, matches };
}

/** Messages of files read by a files-only search, valid while size and mtime are unchanged. */
const fileTexts = new WeakMap<LocalStoreContext, Map<string, { size: number; mtimeMs: number; texts: ExtractedMessage[] }>>();

function textsOf(ctx: LocalStoreContext, path: string): ExtractedMessage[] {
  let cache = fileTexts.get(ctx);
  if (!cache) fileTexts.set(ctx, (cache = new Map()));
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return [];
  const hit = cache.get(path);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.texts;
  const texts = extractThreadMetadataSync(path, { defaultProvider: ctx.defaultProvider, collectMessages: true }).messages ?? [];
  cache.set(path, { size: st.size, mtimeMs: st.mtimeMs, texts });
  return texts;
}

/** A home without SQLite: every rollout of the collection is read (cached by size and mtime). */
export async function fileSearch(ctx: LocalStoreContext, query: NormalizedSearchQuery): Promise<ThreadSearchPage> {
  const candidates = new Map<string, SearchCandidate>();
  // Forks are compared with parents of either collection.
  for (const archived of [false, true]) {
    for (const thread of await allFileThreads(ctx, archived)) {
      if (candidates.has(thread.threadId) || thread.rolloutPath === undefined) continue;
      try {
        candidates.set(thread.threadId, { thread, texts: textsOf(ctx, thread.rolloutPath) });
      } catch {
        // An unreadable file is reported by checkHome; one bad file never fails a search.
      }
    }
  }
  dropInherited(candidates);
  return searchCandidates(candidates.values(), query);
}
