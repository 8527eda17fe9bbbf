import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { isSchemaRace } from "../src/internal/schema-race.js";
import { ensureBuilt, fixtureScript } from "./helpers/built-package.js";
import { useTempDb } from "./helpers/builders.js";

// A bulk index batch changes the schema inside its transaction (it suspends the FTS triggers);
// a search in another process that reconnects its FTS table at that moment used to fail with
// "vtable constructor failed" (seen in the concurrency campaign). See src/internal/schema-race.ts.

describe("searches while another process writes bulk index batches", () => {
  const temp = useTempDb();
  beforeAll(() => ensureBuilt(), 120_000);

  it("never fail: both searches answer every time", async () => {
    const db = temp.open();
    const child = spawn(process.execPath, [fixtureScript("bulk-index-writer.mjs"), temp.dbPath(), "2500"]);
    let out = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    let running = true;
    void exited.then(() => (running = false));
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const failures: string[] = [];
    let searches = 0;
    let found = 0;
    while (running) {
      try {
        found += db.searchMessages({ query: "needle", pageSize: 5 }).items.length;
        found += db.searchThreads({ term: "needle", pageSize: 5 }).items.length;
        searches += 2;
      } catch (error) {
        failures.push(String(error));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await exited, stderr).toBe(0);
    const batches = Number(/batches (\d+)/.exec(out)?.[1]);
    expect(batches).toBeGreaterThan(10);
    expect(searches).toBeGreaterThan(10);
    expect(found).toBeGreaterThan(0);
    expect(failures.slice(0, 3)).toEqual([]);
  }, 60_000);

  it("tells the transient reconnect error from real errors", () => {
    expect(isSchemaRace(new Error("vtable constructor failed: thread_messages_fts"))).toBe(true);
    expect(isSchemaRace(new Error("no such table: thread_messages_fts"))).toBe(false);
    expect(isSchemaRace("vtable constructor failed")).toBe(false);
  });
});
