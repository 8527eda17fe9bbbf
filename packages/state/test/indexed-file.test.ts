import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../src/index.js";
import { threadRow, useTempDb } from "./helpers/builders.js";

describe("indexed files", () => {
  const temp = useTempDb();
  const record = (path: string, size = 100) => ({ path, size, mtimeMs: 5000, byteOffset: size, status: "indexed" as const });

  it("records files and reads them back, defaulting indexedAtMs to now", () => {
    const db = temp.open({ now: () => 777 });
    db.recordIndexedFiles([{ ...record("/s/b.jsonl"), threadId: "0190a0a0-0000-7000-8000-000000000001" }, record("/s/a.jsonl")]);
    expect(db.getIndexedFile("/s/b.jsonl")).toEqual({
      path: "/s/b.jsonl",
      threadId: "0190a0a0-0000-7000-8000-000000000001",
      size: 100,
      mtimeMs: 5000,
      byteOffset: 100,
      indexedAtMs: 777,
      status: "indexed",
    });
    expect(db.listIndexedFiles().map((f) => f.path)).toEqual(["/s/a.jsonl", "/s/b.jsonl"]);
  });

  it("replaces the record of a file indexed again", () => {
    const db = temp.open();
    db.recordIndexedFiles([record("/s/a.jsonl", 100)]);
    db.recordIndexedFiles([{ ...record("/s/a.jsonl", 250), status: "failed", error: "torn line at 240" }]);
    expect(db.getIndexedFile("/s/a.jsonl")).toMatchObject({ size: 250, status: "failed", error: "torn line at 240" });
  });

  it("forgets a record", () => {
    const db = temp.open();
    db.recordIndexedFiles([record("/s/a.jsonl")]);
    expect([db.forgetIndexedFile("/s/a.jsonl"), db.forgetIndexedFile("/s/a.jsonl")]).toEqual([true, false]);
    expect(db.getIndexedFile("/s/a.jsonl")).toBeUndefined();
  });

  it("moves rows and records to a rollout's other name, keeping everything else of the row", () => {
    const db = temp.open({ now: () => 900 });
    const a = threadRow({ rolloutPath: "/s/a.jsonl", name: "kept name" });
    const b = threadRow({ rolloutPath: "/s/b.jsonl" });
    const c = threadRow({ rolloutPath: "/s/c.jsonl" });
    db.writeIndexBatch({
      rows: [a, b, c],
      files: [{ ...record("/s/a.jsonl"), threadId: a.threadId }, { ...record("/s/b.jsonl"), threadId: b.threadId }, { ...record("/s/c.jsonl", 50), threadId: c.threadId }],
      messages: [{ threadId: a.threadId, mode: "replace", rolloutPath: "/s/a.jsonl", byteOffset: 100, itemCount: 3, messages: [] }],
    });
    const before = db.getThread(a.threadId)!;
    const repointed = db.recordMovedRollouts([
      { threadId: a.threadId, from: "/s/a.jsonl", to: "/s/a.jsonl.zst", size: 30, mtimeMs: 5000.7, plainBytes: 100 },
      // b's row names another file by now: its row stays; that file had no record, so the new one has none.
      { threadId: b.threadId, from: "/s/elsewhere.jsonl", to: "/s/elsewhere.jsonl.zst", size: 20, mtimeMs: 6000, plainBytes: 70 },
      // c's file grew after it was indexed (50 of 80 bytes read): the new file is left to the next reindex.
      { threadId: c.threadId, from: "/s/c.jsonl", to: "/s/c.jsonl.zst", size: 25, mtimeMs: 6000, plainBytes: 80 },
    ]);
    expect(repointed).toBe(2);
    expect(db.getThread(a.threadId)).toEqual({ ...before, rolloutPath: "/s/a.jsonl.zst" });
    expect(db.getThread(b.threadId)!.rolloutPath).toBe("/s/b.jsonl");
    expect(db.getIndexedFile("/s/a.jsonl")).toBeUndefined();
    // The plain text read is the same in either form: byte offsets count plain bytes.
    expect(db.getIndexedFile("/s/a.jsonl.zst")).toEqual({ path: "/s/a.jsonl.zst", threadId: a.threadId, size: 30, mtimeMs: 5000, byteOffset: 100, indexedAtMs: 900, status: "indexed" });
    expect(db.getMessageState(a.threadId)).toMatchObject({ rolloutPath: "/s/a.jsonl.zst", byteOffset: 100 });
    // So a reindex finds the moved file unchanged, messages included.
    expect(db.listIndexedFileStamps().find((s) => s[0] === "/s/a.jsonl.zst")).toEqual(["/s/a.jsonl.zst", 30, 5000, 100, "indexed", a.threadId, 100]);
    expect(db.getIndexedFile("/s/b.jsonl")).toBeDefined();
    expect(db.getIndexedFile("/s/elsewhere.jsonl.zst")).toBeUndefined();
    expect(db.getThread(c.threadId)!.rolloutPath).toBe("/s/c.jsonl.zst");
    expect([db.getIndexedFile("/s/c.jsonl"), db.getIndexedFile("/s/c.jsonl.zst")]).toEqual([undefined, undefined]);
  });

  it("rejects an invalid record and writes none of the batch", () => {
    const db = temp.open();
    expect(() => db.recordIndexedFiles([record("/s/a.jsonl"), { ...record("/s/b.jsonl"), size: -1 }])).toThrow(InvalidArgumentError);
    expect(db.listIndexedFiles()).toEqual([]);
  });

  it("stamps say how far each file's messages are indexed, only for the file its thread's messages came from", () => {
    const db = temp.open();
    const a = threadRow({ rolloutPath: "/s/a.jsonl" });
    const b = threadRow({ rolloutPath: "/s/b.jsonl" });
    db.writeIndexBatch({
      rows: [a, b],
      files: [
        { ...record("/s/a.jsonl", 100), threadId: a.threadId },
        { ...record("/s/b.jsonl", 200), threadId: b.threadId },
        // The archived copy of b: b's messages were read from the active file, not this one.
        { ...record("/x/b.jsonl", 200), threadId: b.threadId },
        record("/s/no-thread.jsonl", 7),
      ],
      messages: [
        { threadId: a.threadId, mode: "replace", messages: [], rolloutPath: "/s/a.jsonl", byteOffset: 90, itemCount: 0 },
        { threadId: b.threadId, mode: "replace", messages: [], rolloutPath: "/s/b.jsonl", byteOffset: 200, itemCount: 0 },
      ],
    });
    const stamps = new Map(db.listIndexedFileStamps().map((s) => [s[0], s]));
    expect(stamps.get("/s/a.jsonl")).toEqual(["/s/a.jsonl", 100, 5000, 100, "indexed", a.threadId, 90]);
    expect(stamps.get("/s/b.jsonl")?.[6]).toBe(200);
    expect(stamps.get("/x/b.jsonl")?.[6]).toBeNull();
    expect(stamps.get("/s/no-thread.jsonl")).toEqual(["/s/no-thread.jsonl", 7, 5000, 7, "indexed", null, null]);
    // A row that replaced the thread's (a new seq) makes its old message state stale.
    db.deleteThread(a.threadId);
    db.upsertThread(a);
    db.recordIndexedFiles([{ ...record("/s/a.jsonl", 100), threadId: a.threadId }]);
    expect(new Map(db.listIndexedFileStamps().map((s) => [s[0], s])).get("/s/a.jsonl")?.[6]).toBeNull();
  });
});

describe("anyIndexedFilePath", () => {
  const temp = useTempDb();

  it("names one recorded path, or none for an empty index", () => {
    const db = temp.open();
    expect(db.anyIndexedFilePath()).toBeUndefined();
    db.recordIndexedFiles([{ path: "/h/a.jsonl", size: 1, mtimeMs: 1, byteOffset: 1, status: "indexed" }]);
    expect(db.anyIndexedFilePath()).toBe("/h/a.jsonl");
  });
});
