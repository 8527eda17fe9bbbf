import { stat } from "node:fs/promises";
import { LocalThreadStore, type ThreadStore } from "@skein/thread-store";

/** Rollouts at least this large get their item index built in the background when the viewer starts. */
export const WARM_ROLLOUT_BYTES = 16 << 20;
/** The most recently updated threads looked at (one `stat` each). */
const WARM_SCAN = 2000;
const PAGE = 200;

/**
 * Builds, in the background, the item index of the large rollouts among a local home's recent
 * threads, newest first, so opening one does not wait for its first index build (~15 s a GB;
 * docs/viewer.md, "Huge threads"). A build runs on a worker thread of the store's item-index
 * cache, which keeps it (`.skein/cache/item-index/`) and shares it with a page that asks for the
 * same thread meanwhile. Resolves with the thread ids it indexed; stops early when `signal`
 * aborts. PostgreSQL stores have no item index: nothing to do.
 */
export async function warmLargeRollouts(store: ThreadStore, options: { minBytes?: number; signal?: AbortSignal } = {}): Promise<string[]> {
  if (!(store instanceof LocalThreadStore)) return [];
  const minBytes = options.minBytes ?? WARM_ROLLOUT_BYTES;
  const large: string[] = [];
  let cursor: string | undefined;
  for (let seen = 0; seen < WARM_SCAN && !options.signal?.aborted; ) {
    const page = await store.listThreads({ pageSize: PAGE, sortKey: "updated", ...(cursor !== undefined && { cursor }) });
    seen += page.items.length;
    for (const thread of page.items) {
      const size = thread.rolloutPath ? await stat(thread.rolloutPath).then((s) => s.size, () => 0) : 0;
      if (size >= minBytes) large.push(thread.threadId);
    }
    if (!page.nextCursor || page.items.length === 0) break;
    cursor = page.nextCursor;
  }
  const warmed: string[] = [];
  for (const threadId of large) {
    if (options.signal?.aborted) break;
    // One line from the end: the store brings the file's item index up to date to answer it.
    const ok = await store.listItems({ threadId, includeArchived: true, sortDirection: "desc", pageSize: 1 }).then(
      () => true,
      () => false, // a file that cannot be read now: its page will say why when opened
    );
    if (ok) warmed.push(threadId);
  }
  return warmed;
}
