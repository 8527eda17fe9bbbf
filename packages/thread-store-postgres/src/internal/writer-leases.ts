import { ConflictError } from "@skein/thread-store";
import type { Pool } from "pg";
import type { Tables } from "./sql.js";

/**
 * The writer leases one store instance holds: rows of `thread_writers` naming this
 * instance's `holder`, kept alive by one timer (off the append path) that renews them all
 * in a single UPDATE every third of the TTL. A lease whose holder is gone (process killed,
 * machine lost) expires by the database clock and the next `acquire` takes it over.
 */
export class WriterLeases {
  readonly holder: string;
  readonly #pool: Pool;
  readonly #tables: Tables;
  readonly #ttlMs: number;
  readonly #held = new Set<string>();
  /** Leases another holder took over from us: thread id → that holder. */
  readonly #lost = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;

  constructor(pool: Pool, tables: Tables, holder: string, ttlMs: number) {
    this.#pool = pool;
    this.#tables = tables;
    this.holder = holder;
    this.#ttlMs = ttlMs;
  }

  /**
   * Takes the lease of `threadId` when it is free, expired, or already ours.
   * @throws ConflictError naming the thread and the live holder otherwise.
   */
  async acquire(threadId: string): Promise<void> {
    const { rows } = await this.#pool.query<{ holder: string }>(
      `INSERT INTO ${this.#tables.writers} AS w (thread_id, holder, acquired_at, expires_at)
       VALUES ($1, $2, clock_timestamp(), clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (thread_id) DO UPDATE
         SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
         WHERE w.expires_at <= clock_timestamp() OR w.holder = excluded.holder
       RETURNING holder`,
      [threadId, this.holder, this.#ttlMs],
    );
    if (rows.length === 0) throw await this.conflict(threadId);
    this.#held.add(threadId);
    this.#lost.delete(threadId);
    this.#startTimer();
  }

  /** Gives the lease back (a no-op when another holder has taken it since). */
  async release(threadId: string): Promise<void> {
    this.#held.delete(threadId);
    this.#lost.delete(threadId);
    if (this.#held.size === 0) this.#stopTimer();
    await this.#pool.query(`DELETE FROM ${this.#tables.writers} WHERE thread_id = $1 AND holder = $2`, [
      threadId,
      this.holder,
    ]);
  }

  /** Forgets a lease without touching the database (the row was deleted with its thread). */
  forget(threadId: string): void {
    this.#held.delete(threadId);
    this.#lost.delete(threadId);
    if (this.#held.size === 0) this.#stopTimer();
  }

  /** The holder that took `threadId` over from us, when one did. */
  lostTo(threadId: string): string | undefined {
    return this.#lost.get(threadId);
  }

  /** A ConflictError naming the current holder of `threadId` (read now). */
  async conflict(threadId: string): Promise<ConflictError> {
    const { rows } = await this.#pool.query<{ holder: string }>(
      `SELECT holder FROM ${this.#tables.writers} WHERE thread_id = $1`,
      [threadId],
    );
    const holder = rows[0]?.holder;
    return holder === undefined
      ? new ConflictError(`thread ${threadId} has no live writer lease`)
      : new ConflictError(`thread ${threadId} already has a live writer (held by ${holder})`, { holder });
  }

  /** Renews every held lease now; leases taken over are recorded as lost. */
  async renewAll(): Promise<void> {
    if (this.#held.size === 0) return;
    const ids = [...this.#held];
    const { rows } = await this.#pool.query<{ thread_id: string }>(
      `UPDATE ${this.#tables.writers}
       SET expires_at = clock_timestamp() + $3 * interval '1 millisecond'
       WHERE holder = $1 AND thread_id = ANY($2::text[])
       RETURNING thread_id`,
      [this.holder, ids, this.#ttlMs],
    );
    const renewed = new Set(rows.map((r) => r.thread_id));
    const missing = ids.filter((id) => this.#held.has(id) && !renewed.has(id));
    if (missing.length === 0) return;
    const { rows: holders } = await this.#pool.query<{ thread_id: string; holder: string }>(
      `SELECT thread_id, holder FROM ${this.#tables.writers} WHERE thread_id = ANY($1::text[])`,
      [missing],
    );
    const byId = new Map(holders.map((r) => [r.thread_id, r.holder]));
    for (const id of missing) this.#lost.set(id, byId.get(id) ?? "nobody");
  }

  /** Stops renewing and deletes every lease this instance holds. */
  async releaseAll(): Promise<void> {
    this.#stopTimer();
    await this.#renewing;
    const ids = [...this.#held];
    this.#held.clear();
    this.#lost.clear();
    if (ids.length === 0) return;
    await this.#pool.query(`DELETE FROM ${this.#tables.writers} WHERE holder = $1 AND thread_id = ANY($2::text[])`, [
      this.holder,
      ids,
    ]);
  }

  #startTimer(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#renewing) return;
      // A failed renewal (database restarting, network blip) is retried on the next tick; the
      // lease lapses only after a full TTL without one, and appends check ownership anyway.
      this.#renewing = this.renewAll()
        .catch(() => undefined)
        .finally(() => {
          this.#renewing = undefined;
        });
    }, Math.max(50, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
