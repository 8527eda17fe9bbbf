import type { ThreadStore } from "@skein/thread-store";

/** How often, at most, the local index is brought up to date while the page is open. */
export const REFRESH_INTERVAL_MS = 2000;

/**
 * Keeps a local store's index up to date with files other processes write (Codex writes
 * rollouts without touching our index): an incremental `reindex` at most every
 * {@link REFRESH_INTERVAL_MS}, started by the page's polls, never two at once. A store
 * without `reindex` (PostgreSQL: writers update the tables themselves) needs nothing.
 */
export class IndexRefresher {
  #running: Promise<void> | undefined;
  #last = 0;

  constructor(
    private readonly store: ThreadStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a refresh when one is due; resolves when it ends (callers need not wait). */
  poke(): Promise<void> {
    const reindex = (this.store as { reindex?: () => Promise<unknown> }).reindex;
    if (typeof reindex !== "function" || this.#running || this.now() - this.#last < REFRESH_INTERVAL_MS) return this.#running ?? Promise.resolve();
    this.#last = this.now();
    this.#running = reindex
      .call(this.store)
      .then(
        () => undefined,
        () => undefined, // a failed refresh leaves the index as it was; the next poll tries again
      )
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Waits for a refresh in progress (before closing the store). */
  async settle(): Promise<void> {
    await this.#running;
  }
}
