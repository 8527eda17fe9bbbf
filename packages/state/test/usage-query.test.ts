import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { ThreadRowInput } from "../src/index.js";
import { ReadOnlyIndex } from "../src/read-only.js";
import { useTempDb } from "./helpers/builders.js";

// `skein du` from the index (src/usage-query.ts): grouped sizes, the largest threads, and the
// rows whose rollout has no file record, through StateDb and the read-only index alike.

const DAY = 86_400_000;
const JAN = Date.UTC(2025, 0, 31, 23, 0);

function row(i: number, extra: Partial<ThreadRowInput> = {}): ThreadRowInput {
  const id = `019a0000-0000-7000-8000-${String(i).padStart(12, "0")}`;
  return {
    threadId: id, rolloutPath: `/h/sessions/2025/01/31/rollout-2025-01-31T00-00-00-${id}.jsonl`, preview: `thread ${i}`,
    modelProvider: "openai", createdAt: JAN, updatedAt: JAN, cwd: "/w/a", cliVersion: "0.1.0", source: "cli", ...extra,
  };
}

describe("indexedUsage", () => {
  const temp = useTempDb();

  function seed() {
    const db = temp.open();
    const rows = [
      row(1),
      row(2, { createdAt: JAN + 2 * DAY }), // February
      row(3, { archived: true, cwd: "/w/b", source: "exec" }),
      row(4, { rolloutPath: row(4).rolloutPath + ".zst", name: "zipped" }),
      row(5, { cwd: "/w/unsized" }), // no file record
    ];
    db.upsertMany(rows);
    const sizes = [100, 200, 300, 50];
    db.recordIndexedFiles(rows.slice(0, 4).map((r, i) => ({ path: r.rolloutPath, threadId: r.threadId, size: sizes[i]!, mtimeMs: 1, byteOffset: sizes[i]!, status: "indexed" })));
    return db;
  }

  const cellKey = (c: { archived: boolean; compressed: boolean; month: string; cwd: string; source: string }) =>
    `${c.archived ? "A" : "a"}${c.compressed ? "Z" : "z"} ${c.month} ${c.cwd} ${c.source}`;

  it("groups recorded sizes by state, form, UTC month, cwd and source; lists the largest and the unsized rows", () => {
    const usage = seed().indexedUsage(2);
    expect(Object.fromEntries(usage.cells.map((c) => [cellKey(c), [c.threads, c.bytes]]))).toEqual({
      "az 2025-01 /w/a cli": [1, 100],
      "az 2025-02 /w/a cli": [1, 200],
      "Az 2025-01 /w/b exec": [1, 300],
      "aZ 2025-01 /w/a cli": [1, 50],
    });
    expect(usage.largest.map((t) => [t.label, t.bytes, t.archived])).toEqual([["thread 3", 300, true], ["thread 2", 200, false]]);
    expect(usage.unsized.map((t) => [t.cwd, t.bytes])).toEqual([["/w/unsized", undefined]]);
  });

  it("answers the same through the read-only index", () => {
    const expected = seed().indexedUsage(10);
    const ro = ReadOnlyIndex.open(temp.dbPath());
    if (!ro) throw new Error("the read-only index did not open");
    try {
      const usage = ro.indexedUsage(10);
      expect(usage.largest).toEqual(expected.largest);
      expect(usage.unsized).toEqual(expected.unsized);
      expect(usage.cells.map(cellKey).sort()).toEqual(expected.cells.map(cellKey).sort());
      expect(usage.largest.find((t) => t.compressed)?.label).toBe("zipped");
    } finally {
      ro.close();
    }
  });

  it("migration 0006 only adds: a build that knows migrations 1-5 writes rows, and the usage counts them", async () => {
    const { loadMigrations } = await import("../src/index.js");
    seed().close();
    const older = temp.open({ migrations: loadMigrations().filter((m) => m.version <= 5) });
    expect(older.migrationReport.ignored).toEqual([6]);
    const r = row(6, { cwd: "/w/older" });
    older.upsertThread(r);
    older.recordIndexedFiles([{ path: r.rolloutPath, threadId: r.threadId, size: 1000, mtimeMs: 1, byteOffset: 1000, status: "indexed" }]);
    older.close();
    const usage = temp.open().indexedUsage(1);
    expect(usage.largest.map((t) => [t.cwd, t.bytes])).toEqual([["/w/older", 1000]]);
    expect(usage.cells.filter((c) => c.cwd === "/w/older").map((c) => [c.threads, c.bytes])).toEqual([[1, 1000]]);
  });

  it("answers the same from the tables when migration 0006's indexes were dropped by hand", () => {
    const expected = seed().indexedUsage(10);
    const raw = new Database(temp.dbPath());
    raw.exec("DROP INDEX idx_threads_usage; DROP INDEX idx_indexed_files_size");
    raw.close();
    const ro = ReadOnlyIndex.open(temp.dbPath());
    if (!ro) throw new Error("the read-only index did not open");
    try {
      for (const usage of [temp.open().indexedUsage(10), ro.indexedUsage(10)]) {
        expect(usage.largest).toEqual(expected.largest);
        expect(usage.unsized).toEqual(expected.unsized);
        expect(usage.cells.map(cellKey).sort()).toEqual(expected.cells.map(cellKey).sort());
      }
    } finally {
      ro.close();
    }
  });
});
