import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../src/index.js";
import { useTempDb } from "./helpers/builders.js";

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

  it("rejects an invalid record and writes none of the batch", () => {
    const db = temp.open();
    expect(() => db.recordIndexedFiles([record("/s/a.jsonl"), { ...record("/s/b.jsonl"), size: -1 }])).toThrow(InvalidArgumentError);
    expect(db.listIndexedFiles()).toEqual([]);
  });
});
