import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalThreadStore, isThreadStoreError, type ThreadStore } from "@skein/thread-store";
import type { ThreadView } from "./views.js";

/** A LocalThreadStore over a Codex home that is closed by `await using`. */
export async function openSkeinStore(home: string): Promise<LocalThreadStore & AsyncDisposable> {
  const store = await LocalThreadStore.open({ home });
  return Object.assign(store, { [Symbol.asyncDispose]: () => store.close() });
}

/** Every thread the store lists (active, then archived), paging to the end. */
export async function skeinThreadViews(store: ThreadStore): Promise<ThreadView[]> {
  const views: ThreadView[] = [];
  for (const archived of [false, true]) {
    let cursor: string | undefined;
    do {
      const page = await store.listThreads({ archived, pageSize: 100, ...(cursor ? { cursor } : {}) });
      for (const t of page.items) {
        views.push({ id: t.threadId, name: t.name, archived: t.archived, forkedFromId: t.forkedFromId });
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  return views;
}

/**
 * Why the LocalThreadStore tests cannot run, or false: a store that rejects listing with
 * UnsupportedOperationError (a build without the local read path). Any other failure is not a
 * reason: the tests run and fail.
 */
export const storeSkipReason: string | false = await (async () => {
  const dir = mkdtempSync(join(tmpdir(), "skein-probe-"));
  try {
    const store = await LocalThreadStore.open({ home: dir });
    try {
      await store.listThreads({});
      return false;
    } finally {
      await store.close();
    }
  } catch (error) {
    if (isThreadStoreError(error) && error.code === "unsupported") {
      return skip(`LocalThreadStore is not implemented yet (${error.message})`);
    }
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

function skip(reason: string): string {
  console.warn(`[skip] ${reason}`);
  return reason;
}
