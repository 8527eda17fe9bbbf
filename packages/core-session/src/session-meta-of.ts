import type { RolloutItem, SessionMeta, ThreadId } from "@skein/protocol";

/** The `session_meta` records of a thread's own id in a history: the first and the last. */
export interface OwnSessionMeta {
  /** Canonical for identity: id, created time, source, base instructions. */
  first: SessionMeta;
  /**
   * The latest copy (memory mode, git and dynamic-tool changes are recorded as appended
   * copies). Equal to `first` when the history holds only one.
   */
  last: SessionMeta;
}

/**
 * Finds a thread's own `session_meta` records. Forks embed their source's meta and paginated
 * fork histories start with the parent's prefix, so only records whose `id` is the thread's
 * count; without `threadId` the id of the first `session_meta` is used.
 * Returns undefined when the history has none (the reader then falls back to defaults).
 */
export function sessionMetaOf(history: readonly Pick<RolloutItem, "type" | "payload">[], threadId?: ThreadId): OwnSessionMeta | undefined {
  let first: SessionMeta | undefined;
  let last: SessionMeta | undefined;
  let id = threadId;
  for (const item of history) {
    if (item.type !== "session_meta") continue;
    const meta = item.payload as SessionMeta;
    id ??= meta.id;
    if (meta.id !== id) continue;
    first ??= meta;
    last = meta;
  }
  return first && last ? { first, last } : undefined;
}
