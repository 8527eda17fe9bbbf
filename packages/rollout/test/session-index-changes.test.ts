import { appendFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import {
  SESSION_INDEX_FILE,
  appendSessionName,
  currentSessionIndexMark,
  formatSessionIndexMark,
  readSessionIndexChanges,
} from "../src/index.js";
import { THREAD_1, THREAD_2 } from "./fixtures/builders.js";

describe("session index changes (the catch-up's tail read)", () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = join(tmp.path, SESSION_INDEX_FILE);
  });
  afterEach(() => tmp.cleanup());

  it("no file: no changes and no mark", () => {
    expect(readSessionIndexChanges(tmp.path, undefined)).toBeUndefined();
    expect(currentSessionIndexMark(tmp.path)).toBeUndefined();
  });

  it("reads only the lines appended since the mark, latest name per thread, bad lines skipped", async () => {
    await appendSessionName(tmp.path, { threadId: THREAD_1, name: "one" });
    const first = readSessionIndexChanges(tmp.path, undefined)!;
    expect([...first.latest]).toEqual([[THREAD_1, "one"]]);
    const stored = formatSessionIndexMark(first.mark);
    expect(readSessionIndexChanges(tmp.path, stored)).toBeUndefined();
    await appendSessionName(tmp.path, { threadId: THREAD_2, name: "two" });
    appendFileSync(file, "not json\n");
    await appendSessionName(tmp.path, { threadId: THREAD_2, name: "" });
    const next = readSessionIndexChanges(tmp.path, stored)!;
    expect([...next.latest]).toEqual([[THREAD_2, ""]]);
    expect(next.mark).toEqual(currentSessionIndexMark(tmp.path));
  });

  it("stops before a line still being written; it is read next time", async () => {
    await appendSessionName(tmp.path, { threadId: THREAD_1, name: "one" });
    const line = `{"id":"${THREAD_2}","thread_name":"two","updated_at":"2026-01-01T00:00:00Z"}`;
    appendFileSync(file, line.slice(0, 20));
    const part = readSessionIndexChanges(tmp.path, undefined)!;
    expect([...part.latest]).toEqual([[THREAD_1, "one"]]);
    appendFileSync(file, `${line.slice(20)}\n`);
    const rest = readSessionIndexChanges(tmp.path, formatSessionIndexMark(part.mark))!;
    expect([...rest.latest]).toEqual([[THREAD_2, "two"]]);
  });

  it("a replaced file (new inode) is read whole", async () => {
    await appendSessionName(tmp.path, { threadId: THREAD_1, name: "one" });
    const stored = formatSessionIndexMark(readSessionIndexChanges(tmp.path, undefined)!.mark);
    const tmpFile = `${file}.tmp`;
    writeFileSync(tmpFile, `{"id":"${THREAD_1}","thread_name":"renamed","updated_at":""}\n{"id":"${THREAD_2}","thread_name":"two","updated_at":""}\n`);
    renameSync(tmpFile, file);
    const whole = readSessionIndexChanges(tmp.path, stored)!;
    expect(Object.fromEntries(whole.latest)).toEqual({ [THREAD_1]: "renamed", [THREAD_2]: "two" });
  });
});
