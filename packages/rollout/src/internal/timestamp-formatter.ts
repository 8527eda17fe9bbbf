// Behaviour: docs/rollout-format.md, "A line": every line's `timestamp` is UTC RFC 3339 with
// milliseconds (`2026-01-02T03:04:05.678Z`), the form `Date.prototype.toISOString` gives.

/**
 * Formats epoch milliseconds like `new Date(ms).toISOString()`, reusing the text up to the
 * second: a recorder stamps thousands of lines a second, and a `Date` plus its formatting per
 * line is a measurable part of an append.
 */
export class TimestampFormatter {
  #second = Number.NaN;
  #prefix = "";

  format(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      const iso = new Date(ms).toISOString();
      // Years outside 0000..9999 print as ±YYYYYY: not worth a cache.
      if (iso.length !== 24) return iso;
      this.#second = second;
      this.#prefix = iso.slice(0, 20);
    }
    const milli = ms - second * 1000;
    if (!Number.isInteger(milli)) return new Date(ms).toISOString();
    return `${this.#prefix}${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
  }
}
