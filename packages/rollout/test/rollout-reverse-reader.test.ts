import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { RolloutNotFoundError, iterateRolloutLines, iterateRolloutLinesBackward } from "../src/index.js";
import { line, metaLine, userMessageLine, writeLines } from "./fixtures/builders.js";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("iterateRolloutLinesBackward", () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = join(tmp.path, "r.jsonl");
  });
  afterEach(() => tmp.cleanup());

  it("yields the forward reader's entries in reverse, offsets and parse results included", async () => {
    // Lines longer than one 256 KiB backward step, and blank and bad lines between them.
    const long = line("response_item", { type: "message", text: "z".repeat(300_000) });
    writeLines(file, [metaLine(), long, "", "{bad", userMessageLine("hi"), long, "  "]);
    const forward = (await collect(iterateRolloutLines(file))).map(({ lineNumber: _n, ...rest }) => rest);
    expect(await collect(iterateRolloutLinesBackward(file))).toEqual(forward.reverse());
  });

  it("yields a torn last fragment first, unterminated", async () => {
    writeLines(file, [metaLine()], userMessageLine("partial"));
    const [first] = await collect(iterateRolloutLinesBackward(file));
    expect(first!.terminated).toBe(false);
    expect(first!.line?.type).toBe("event_msg");
  });

  it("reads only the lines of [start, end)", async () => {
    const lines = [metaLine(), userMessageLine("a"), userMessageLine("b"), userMessageLine("c")];
    writeLines(file, lines);
    const start = Buffer.byteLength(lines[0]!) + 1;
    const end = start + Buffer.byteLength(lines[1]!) + 1 + Buffer.byteLength(lines[2]!) + 1;
    const got = await collect(iterateRolloutLinesBackward(file, { start, end }));
    expect(got.map((e) => e.raw)).toEqual([lines[2], lines[1]]);
    expect(got.map((e) => e.byteOffset)).toEqual([start + Buffer.byteLength(lines[1]!) + 1, start]);
  });

  it("rejects a missing file with RolloutNotFoundError", async () => {
    await expect(collect(iterateRolloutLinesBackward(join(tmp.path, "none.jsonl")))).rejects.toBeInstanceOf(RolloutNotFoundError);
  });
});
