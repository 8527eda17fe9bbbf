import { statement, type Connection } from "./internal/connection.js";

/** A named lease row: who holds it and until when. */
export interface Lease {
  name: string;
  owner: string;
  acquiredAtMs: number;
  expiresAtMs: number;
  /** True when `expiresAtMs` has passed (by the clock of the handle that read it). */
  expired: boolean;
}

// One statement, so claiming is atomic without an explicit transaction: the conflict branch
// only takes over a lease that is ours already or has expired.
const CLAIM_SQL = `INSERT INTO leases (name, owner, acquired_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET
  acquired_at_ms = CASE WHEN leases.owner = excluded.owner THEN leases.acquired_at_ms ELSE excluded.acquired_at_ms END,
  owner = excluded.owner,
  expires_at_ms = excluded.expires_at_ms
WHERE leases.owner = excluded.owner OR leases.expires_at_ms <= excluded.acquired_at_ms`;

/** Claims `name` for `owner` until `now + ttlMs`; true when the lease is now ours. */
export function tryClaimLease(conn: Connection, name: string, owner: string, ttlMs: number, now: number): boolean {
  return statement(conn, CLAIM_SQL).run(name, owner, now, now + ttlMs).changes > 0;
}

/** Extends a lease that `owner` still holds; false when someone else holds it or none exists. */
export function renewLease(conn: Connection, name: string, owner: string, ttlMs: number, now: number): boolean {
  return statement(conn, "UPDATE leases SET expires_at_ms = ? WHERE name = ? AND owner = ?").run(now + ttlMs, name, owner).changes > 0;
}

/** Releases a lease `owner` holds; false when it was not theirs. */
export function releaseLease(conn: Connection, name: string, owner: string): boolean {
  return statement(conn, "DELETE FROM leases WHERE name = ? AND owner = ?").run(name, owner).changes > 0;
}

/** The lease row for `name`, or undefined when nobody holds it. */
export function readLease(conn: Connection, name: string, now: number): Lease | undefined {
  const r = statement(conn, "SELECT name, owner, acquired_at_ms, expires_at_ms FROM leases WHERE name = ?").get(name) as
    | { name: string; owner: string; acquired_at_ms: number; expires_at_ms: number }
    | undefined;
  if (!r) return undefined;
  return { name: r.name, owner: r.owner, acquiredAtMs: r.acquired_at_ms, expiresAtMs: r.expires_at_ms, expired: r.expires_at_ms <= now };
}
