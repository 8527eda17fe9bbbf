import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LABEL_PREVIEW_CHARS, readThreadLabels } from "../src/index.js";
import { threadRow, useTempDb } from "./helpers/builders.js";

const T0 = 1_700_000_000_000;

describe("readThreadLabels", () => {
  const temp = useTempDb();

  it("returns every thread's id, name and preview start: active first, most recent first", () => {
    const db = temp.open();
    const old = threadRow({ updatedAt: T0, preview: "x".repeat(500) });
    const recent = threadRow({ updatedAt: T0 + 10_000, preview: "recent one" });
    const archived = threadRow({ updatedAt: T0 + 20_000, preview: "gone" });
    db.upsertMany([old, recent, archived]);
    db.applyMetadataPatch(recent.threadId, { name: "release notes" });
    db.markArchived(archived.threadId, { rolloutPath: archived.rolloutPath, archivedAtMs: T0 + 30_000 });
    expect(readThreadLabels(temp.dbPath())).toEqual([
      { id: recent.threadId, name: "release notes", preview: "recent one" },
      { id: old.threadId, name: null, preview: "x".repeat(LABEL_PREVIEW_CHARS) },
      { id: archived.threadId, name: null, preview: "gone" },
    ]);
  });

  it("writes nothing: the file's bytes and mtime are unchanged", () => {
    const db = temp.open();
    db.upsertMany([threadRow({ updatedAt: T0 })]);
    db.close();
    const before = { bytes: readFileSync(temp.dbPath()), mtimeMs: statSync(temp.dbPath()).mtimeMs };
    expect(readThreadLabels(temp.dbPath())).toHaveLength(1);
    expect(readFileSync(temp.dbPath()).equals(before.bytes)).toBe(true);
    expect(statSync(temp.dbPath()).mtimeMs).toBe(before.mtimeMs);
  });

  it("is empty for a missing file or one that is not an index, and creates nothing", () => {
    const missing = join(temp.dir(), "none.sqlite");
    expect(readThreadLabels(missing)).toEqual([]);
    expect(() => statSync(missing)).toThrow();
    const garbage = join(temp.dir(), "garbage.sqlite");
    writeFileSync(garbage, "not a database at all, not even close ".repeat(200));
    expect(readThreadLabels(garbage)).toEqual([]);
  });
});
