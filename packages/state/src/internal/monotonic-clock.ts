/**
 * A per-database high-water mark that turns candidate times into unique, increasing
 * milliseconds, so keyset cursors over `updated_at` / `recency_at` never see two rows with
 * the same value written by this process in the same hot second.
 *
 * Behaviour: docs/state-index.md, "Rows and writes" (unique, increasing times).
 */
export class MonotonicClock {
  #mark: number;

  constructor(seed: number) {
    this.#mark = seed;
  }

  /** The current high-water mark. */
  get mark(): number {
    return this.#mark;
  }

  /**
   * A candidate newer than the mark is used as-is and becomes the mark. A candidate at least
   * one second older is historical (a backfill keeping a file's mtime) and is kept unchanged.
   * Anything else collides with the hot second and becomes `mark + 1`.
   */
  allocate(candidate: number): number {
    if (candidate > this.#mark) {
      this.#mark = candidate;
      return candidate;
    }
    if (candidate <= this.#mark - 1000) return candidate;
    this.#mark += 1;
    return this.#mark;
  }

  /** Raises the mark to `value` when it is higher (after a write that bypassed `allocate`). */
  observe(value: number): void {
    if (value > this.#mark) this.#mark = value;
  }
}
