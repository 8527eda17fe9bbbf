// Why this exists (docs/state-index.md, "Schema changes and FTS readers"): a connection that
// finds the schema changed since it last looked re-prepares its statement, and FTS5 then
// reconnects its virtual table, reading the table's config. When another process's
// transaction changed the schema at that moment (a bulk index batch suspends the FTS triggers
// inside its transaction; a migration adds tables), the reconnect can fail with "vtable
// constructor failed: <table>". Nothing is wrong with the database: the same read a moment
// later succeeds. Reads that touch an FTS5 table go through `readAcrossSchemaChanges`.

/**
 * Attempts before the error reaches the caller. Measured against a writer committing a bulk
 * batch every 1.3 ms: 0.6% of searches lost the race, some up to 8 times in a row when retried
 * at once; with the waits below none needs more than a few.
 */
const ATTEMPTS = 12;

/** Waits before attempt n+1: 1, 2, 4 … 64 ms (~0.4 s in all), so a burst of batches passes. */
const waitMs = (attempt: number) => Math.min(2 ** (attempt - 1), 64);

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** True for the transient error of a virtual table reconnecting across a schema change. */
export function isSchemaRace(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("vtable constructor failed");
}

/** Runs `read`, again when it lost a race with another connection's schema change. */
export function readAcrossSchemaChanges<T>(read: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return read();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isSchemaRace(error)) throw error;
      // The store's API is synchronous here; the wait is short and only on this rare path.
      Atomics.wait(sleeper, 0, 0, waitMs(attempt));
    }
  }
}
