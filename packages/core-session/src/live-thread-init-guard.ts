import type { LiveThread } from "./live-thread.js";

/**
 * Protects session setup: until {@link LiveThreadInitGuard.commit} is called, the guard owns
 * the writer and disposing it discards the writer (keeping whatever is already durable), so a
 * failed setup never leaves a live writer or lock behind.
 *
 * @example
 * const guard = new LiveThreadInitGuard(await LiveThread.create(store, params));
 * try { await setUp(guard.live); return guard.commit(); }
 * finally { await guard[Symbol.asyncDispose](); }
 */
export class LiveThreadInitGuard implements AsyncDisposable {
  readonly live: LiveThread;
  #armed = true;
  #discardError: unknown;

  constructor(live: LiveThread) {
    this.live = live;
  }

  /** True until `commit` or `discard`. */
  get armed(): boolean {
    return this.#armed;
  }

  /** The error of a failed discard, if any (a discard never throws: it runs during a failure). */
  get discardError(): unknown {
    return this.#discardError;
  }

  /** Disarms the guard and hands the writer to the caller. */
  commit(): LiveThread {
    this.#armed = false;
    return this.live;
  }

  /** Discards the writer if still armed. Never rejects; see {@link LiveThreadInitGuard.discardError}. */
  async discard(): Promise<void> {
    if (!this.#armed) return;
    this.#armed = false;
    try {
      await this.live.discard();
    } catch (error) {
      this.#discardError = error;
    }
  }

  /** Discards the writer when setup did not commit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.discard();
  }
}
