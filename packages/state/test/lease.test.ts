import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../src/index.js";
import { ensureBuilt, fixtureScript } from "./helpers/built-package.js";
import { useTempDb } from "./helpers/builders.js";

const TTL = 900_000;

describe("leases", () => {
  const temp = useTempDb();
  /** A handle on the shared file whose clock reads `at`. */
  const at = (ms: number) => temp.open({ now: () => ms });

  it("claims a free lease and records its owner and expiry", () => {
    const db = at(1000);
    expect(db.tryClaimLease("backfill", "pid-1", TTL)).toBe(true);
    expect(db.readLease("backfill")).toEqual({ name: "backfill", owner: "pid-1", acquiredAtMs: 1000, expiresAtMs: 1000 + TTL, expired: false });
  });

  it("refuses a live lease to another owner", () => {
    at(1000).tryClaimLease("backfill", "pid-1", TTL);
    expect(at(2000).tryClaimLease("backfill", "pid-2", TTL)).toBe(false);
    expect(at(2000).readLease("backfill")?.owner).toBe("pid-1");
  });

  it("lets the owner claim again, extending the lease and keeping its start", () => {
    at(1000).tryClaimLease("backfill", "pid-1", TTL);
    expect(at(5000).tryClaimLease("backfill", "pid-1", TTL)).toBe(true);
    expect(at(5000).readLease("backfill")).toMatchObject({ acquiredAtMs: 1000, expiresAtMs: 5000 + TTL });
  });

  it("hands an expired lease to a new owner", () => {
    at(1000).tryClaimLease("backfill", "pid-1", TTL);
    const later = at(1000 + TTL);
    expect(later.readLease("backfill")?.expired).toBe(true);
    expect(later.tryClaimLease("backfill", "pid-2", TTL)).toBe(true);
    expect(later.readLease("backfill")).toMatchObject({ owner: "pid-2", acquiredAtMs: 1000 + TTL });
  });

  it("renews only for the owner", () => {
    at(1000).tryClaimLease("backfill", "pid-1", TTL);
    expect(at(2000).renewLease("backfill", "pid-2", TTL)).toBe(false);
    expect(at(2000).renewLease("backfill", "pid-1", TTL)).toBe(true);
    expect(at(2000).readLease("backfill")?.expiresAtMs).toBe(2000 + TTL);
  });

  it("releases only for the owner, freeing the lease", () => {
    at(1000).tryClaimLease("backfill", "pid-1", TTL);
    expect(at(1000).releaseLease("backfill", "pid-2")).toBe(false);
    expect(at(1000).releaseLease("backfill", "pid-1")).toBe(true);
    expect(at(1000).readLease("backfill")).toBeUndefined();
    expect(at(1000).tryClaimLease("backfill", "pid-2", TTL)).toBe(true);
  });

  it("keeps leases of different names apart", () => {
    const db = at(1000);
    expect([db.tryClaimLease("a", "pid-1", TTL), db.tryClaimLease("b", "pid-2", TTL)]).toEqual([true, true]);
  });

  it("rejects a ttl that is not a positive integer", () => {
    expect(() => at(0).tryClaimLease("backfill", "pid-1", 0)).toThrow(InvalidArgumentError);
    expect(() => at(0).tryClaimLease("backfill", "pid-1", 1.5)).toThrow(InvalidArgumentError);
  });

  it("reads a lease while another connection holds a write transaction", () => {
    const db = at(1000);
    db.tryClaimLease("backfill", "pid-1", TTL);
    const other = new Database(temp.dbPath());
    other.exec("BEGIN IMMEDIATE");
    other.prepare("UPDATE leases SET owner = 'uncommitted'").run();
    try {
      expect(db.readLease("backfill")?.owner).toBe("pid-1");
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  describe("against another process", () => {
    beforeAll(() => ensureBuilt(), 120_000);

    it("claims after another process's write transaction commits, waiting on busy_timeout", async () => {
      const db = at(Date.now()); // opened first: opening is not what this test measures
      const child = spawn(process.execPath, [fixtureScript("hold-write-lock.mjs"), temp.dbPath(), "400"]);
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      await new Promise<void>((resolve) => child.stdout.on("data", () => resolve()));
      const started = Date.now();
      expect(db.tryClaimLease("backfill", "parent", TTL)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      expect(await exited).toBe(0);
      expect(db.getMeta("holder")).toBe("child");
    });
  });
});

describe("meta", () => {
  const temp = useTempDb();

  it("stores, reads, replaces and deletes values", () => {
    const db = temp.open();
    expect(db.getMeta("last_full_reindex_at")).toBeUndefined();
    db.setMeta("last_full_reindex_at", "1");
    db.setMeta("last_full_reindex_at", "2");
    expect(db.getMeta("last_full_reindex_at")).toBe("2");
    expect([db.deleteMeta("last_full_reindex_at"), db.deleteMeta("last_full_reindex_at")]).toEqual([true, false]);
  });
});
