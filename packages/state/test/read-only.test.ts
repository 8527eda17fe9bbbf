import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_MIGRATIONS_DIR, StateDb, type ThreadRowInput } from "../src/index.js";
import { LATEST_MIGRATION_VERSION, ReadOnlyIndex, type ListQueryParams } from "../src/read-only.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "skein-state-ro-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function row(i: number, extra: Partial<ThreadRowInput> = {}): ThreadRowInput {
  const id = `019a0000-0000-7000-8000-${String(i).padStart(12, "0")}`;
  return {
    threadId: id,
    rolloutPath: `/h/sessions/2025/01/01/rollout-2025-01-01T00-00-00-${id}.jsonl`,
    preview: i % 7 === 0 ? "" : `thread ${i}`,
    modelProvider: i % 2 ? "openai" : "other",
    createdAt: 1_000_000 + i * 10,
    updatedAt: 2_000_000 + ((i * 37) % 50) * 10,
    recencyAt: 3_000_000 - i,
    archived: i % 5 === 0,
    cwd: `/w/${i % 3}`,
    cliVersion: "0.1.0",
    source: i % 4 === 0 ? "exec" : "cli",
    ...extra,
  };
}

describe("ReadOnlyIndex", () => {
  it("knows the last migration file's version", () => {
    const versions = readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => f.endsWith(".sql")).map((f) => Number(f.slice(0, 4)));
    expect(LATEST_MIGRATION_VERSION).toBe(Math.max(...versions));
  });

  it("answers every listing exactly as StateDb does, page after page", () => {
    const path = join(dir, "i.sqlite");
    const db = StateDb.open({ path });
    for (let i = 1; i <= 60; i++) db.upsertThread(row(i, i === 3 ? { name: "Named", gitInfo: { branch: "main" } } : {}));
    const ro = ReadOnlyIndex.open(path)!;
    try {
      type Case = Omit<ListQueryParams, "pageSize" | "includeEmptyPreview"> & { includeEmptyPreview?: boolean };
      const cases: Case[] = [
        { sortKey: "updated", sortDirection: "desc", archived: false },
        { sortKey: "created", sortDirection: "asc", archived: true },
        { sortKey: "recency", sortDirection: "desc", archived: false, sources: ["exec"], cwdFilters: ["/w/1", "/w/0"] },
        { sortKey: "updated", sortDirection: "asc", archived: false, modelProviders: ["other"], searchTerm: "THREAD 1" },
        { sortKey: "updated", sortDirection: "desc", archived: false, cwdFilters: [] },
        { sortKey: "created", sortDirection: "desc", archived: false, includeEmptyPreview: true },
      ];
      for (const c of cases) {
        let cursor: string | undefined;
        let pages = 0;
        do {
          const params: ListQueryParams = { pageSize: 7, includeEmptyPreview: false, ...c, ...(cursor ? { cursor } : {}) };
          const full = db.listThreads(params);
          const lean = ro.listThreads(params);
          expect(lean).toEqual(full);
          cursor = full.nextCursor;
          pages++;
        } while (cursor !== undefined);
        expect(pages).toBeGreaterThan(0);
      }
      expect(() => ro.listThreads({ pageSize: 5, sortKey: "updated", sortDirection: "desc", archived: false, includeEmptyPreview: false, cursor: "bogus!" })).toThrow(/cursor/);
    } finally {
      ro.close();
      db.close();
    }
  });

  it("reads meta without writing, and never creates a missing file", () => {
    expect(ReadOnlyIndex.open(join(dir, "missing.sqlite"))).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
    const path = join(dir, "i.sqlite");
    const db = StateDb.open({ path });
    db.setMeta("dir_mtime:a", "1");
    db.setMeta("dir_mtime:b", "2");
    db.setMeta("other", "3");
    db.close();
    const ro = ReadOnlyIndex.open(path)!;
    expect(ro.getMeta("other")).toBe("3");
    expect([...ro.listMeta("dir_mtime:")]).toEqual([["dir_mtime:a", "1"], ["dir_mtime:b", "2"]]);
    ro.close();
  });

  it("declines a database an older build migrated, and reads one a newer build migrated", () => {
    const path = join(dir, "i.sqlite");
    StateDb.open({ path }).close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO skein_migrations (version, name, checksum, applied_at_ms) VALUES (?, ?, ?, ?)").run(LATEST_MIGRATION_VERSION + 1, "future", "x", 1);
    raw.close();
    const newer = ReadOnlyIndex.open(path);
    expect(newer).toBeDefined();
    newer!.close();
    const raw2 = new Database(path);
    raw2.prepare("DELETE FROM skein_migrations WHERE version >= ?").run(LATEST_MIGRATION_VERSION);
    raw2.close();
    expect(ReadOnlyIndex.open(path)).toBeUndefined();
  });
});
