import type { StoredThread } from "@skein/protocol";
import { isThreadStoreError, type ThreadStore } from "@skein/thread-store";
import { ThreadRefNotFoundError } from "./errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `ref` has the shape of a thread id (a UUID); anything else is a name. */
export function looksLikeThreadId(ref: string): boolean {
  return UUID.test(ref);
}

/** Options of {@link resolveThread}. */
export interface ResolveThreadOptions {
  /** Told when a name matched several threads (the newest was chosen). */
  warn?: (message: string) => void;
}

/**
 * Finds the thread a user means by `<id|name>`, active or archived. A UUID is an id; anything
 * else is a name, and resolves to the most recently updated thread with exactly that name
 * (`warn` hears about the others, so nobody renames or deletes the wrong one unknowingly).
 *
 * @throws ThreadRefNotFoundError when nothing matches.
 */
export async function resolveThread(
  store: ThreadStore,
  ref: string,
  home: string,
  options: ResolveThreadOptions = {},
): Promise<StoredThread> {
  if (looksLikeThreadId(ref)) {
    try {
      return await store.readThread({ threadId: ref.toLowerCase(), includeArchived: true });
    } catch (error) {
      if (isThreadStoreError(error) && error.code === "thread_not_found") {
        throw new ThreadRefNotFoundError("id", ref, home, { cause: error });
      }
      throw error;
    }
  }
  const named = await findThreadsNamed(store, ref);
  const newest = named.reduce<StoredThread | undefined>(
    (best, thread) => (best === undefined || thread.updatedAt > best.updatedAt ? thread : best),
    undefined,
  );
  if (newest === undefined) throw new ThreadRefNotFoundError("name", ref, home);
  if (named.length > 1) {
    options.warn?.(
      `note: ${named.length} threads are named "${ref}"; using ${newest.threadId}, the most recently updated (pass an id to choose another)`,
    );
  }
  return newest;
}

/** Every thread (active and archived) whose name is exactly `name`. */
async function findThreadsNamed(store: ThreadStore, name: string): Promise<StoredThread[]> {
  const found: StoredThread[] = [];
  for (const archived of [false, true]) {
    let cursor: string | undefined;
    do {
      const page = await store.listThreads({ searchTerm: name, archived, pageSize: 1000, sortKey: "updated", cursor });
      found.push(...page.items.filter((thread) => thread.name === name));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  return found;
}
