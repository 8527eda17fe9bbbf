import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { unexpectedFieldsOf } from "@skein/protocol";
import { extractThreadMetadataSync, readHeadSummary, readRollout } from "../src/index.js";
import { THREAD_1, line, metaLine, userMessageLine, writeLines } from "./fixtures/builders.js";

describe("a session_meta with odd field types (Codex lists such threads)", () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = join(tmp.path, `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);
    writeLines(file, [
      metaLine({ base_instructions: "plain string instructions", memory_mode: "someday", dynamic_tools: "none", git: ["main"] }),
      line("turn_context", { cwd: 42, model: "gpt-x" }),
      userMessageLine("still here"),
    ]);
  });
  afterEach(() => tmp.cleanup());

  it("is listed with every fact that could be read", () => {
    expect(readHeadSummary(file)).toMatchObject({ threadId: THREAD_1, cwd: "/work", modelProvider: "openai", preview: "still here" });
    const meta = extractThreadMetadataSync(file, { defaultProvider: "openai" });
    expect(meta).toMatchObject({ threadId: THREAD_1, hasSessionMeta: true, cwd: "/work", preview: "still here", model: "gpt-x", parseErrors: 0 });
    expect(meta.memoryMode).toBeUndefined();
  });

  it("is read whole, the odd values kept as written", async () => {
    const read = await readRollout(file);
    expect(read.parseErrors).toBe(0);
    expect(read.lines).toHaveLength(3);
    expect(unexpectedFieldsOf(read.meta!)).toEqual({ base_instructions: "plain string instructions", memory_mode: "someday", dynamic_tools: "none", git: ["main"] });
  });
});
