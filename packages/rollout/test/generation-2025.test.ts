import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import {
  ReadOnlyRolloutError,
  RolloutRecorder,
  appendRolloutItemsToPath,
  extractThreadMetadataSync,
  isGeneration2025Rollout,
  readHeadSummary,
  readRollout,
  updateRolloutItemIndex,
} from "../src/index.js";
import { THREAD_1, writeLines } from "./fixtures/builders.js";
import { generation2025Lines } from "./fixtures/generation-2025.js";
import { writeZstdFile } from "./fixtures/zstd.js";

const ID = "5973b6c0-94b8-487b-a530-2aeb6098ae0e";

describe("the 2025 rollout generation (read-only)", () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = join(tmp.path, "sessions", "2025", "05", "07", `rollout-2025-05-07T17-24-21-${ID}.jsonl`);
    writeLines(file, generation2025Lines(ID));
  });
  afterEach(() => tmp.cleanup());

  it("lists from the header and the first real user message, skipping context wrappers", () => {
    expect(isGeneration2025Rollout(file)).toBe(true);
    expect(readHeadSummary(file)).toMatchObject({
      threadId: ID,
      createdAtMs: Date.parse("2025-05-07T17:24:21.123Z"),
      cwd: "/home/me/project",
      preview: "why does the build fail?",
      firstUserMessage: "why does the build fail?",
      historyMode: "legacy",
      generation: "2025",
      gitInfo: { sha: "abc123", branch: "main", originUrl: "https://example.com/r.git" },
    });
    expect(extractThreadMetadataSync(file, { defaultProvider: "openai" })).toMatchObject({
      threadId: ID,
      createdAtMs: Date.parse("2025-05-07T17:24:21.123Z"),
      cwd: "/home/me/project",
      preview: "why does the build fail?",
      title: "why does the build fail?",
      hasSessionMeta: true,
      generation: "2025",
      parseErrors: 0,
    });
  });

  it("reads every line in the current envelope: a session_meta, the response items, the state snapshots kept", async () => {
    const read = await readRollout(file);
    expect(read.parseErrors).toBe(0);
    expect(read.lines.map((l) => (l.type === "response_item" ? (l.payload as { type: string }).type : l.type))).toEqual([
      "session_meta",
      "state",
      "message",
      "message",
      "message",
      "state",
      "reasoning",
      "function_call",
      "function_call_output",
      "message",
      "state",
    ]);
    expect(read.meta).toMatchObject({ id: ID, timestamp: "2025-05-07T17:24:21.123Z", instructions: null });
    const index = await updateRolloutItemIndex(file);
    expect(index.count).toBe(read.lines.length);
  });

  it("reads a compressed 2025 rollout too", async () => {
    const zst = `${file}.zst`;
    await writeZstdFile(zst, readFileSync(file));
    expect(readHeadSummary(zst)).toMatchObject({ threadId: ID, preview: "why does the build fail?", generation: "2025" });
  });

  it("refuses to append, with a typed error that says what to do", async () => {
    await expect(RolloutRecorder.resume({ path: file })).rejects.toBeInstanceOf(ReadOnlyRolloutError);
    await expect(appendRolloutItemsToPath(file, [{ type: "event_msg", payload: { type: "user_message", message: "x" } }])).rejects.toThrow(
      /2025 generation, which is read-only: fork it/,
    );
    expect(readFileSync(file, "utf8")).toBe(generation2025Lines(ID).map((l) => `${l}\n`).join(""));
  });

  it("does not take a current rollout for a 2025 one", () => {
    const current = join(tmp.path, `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);
    writeLines(current, [JSON.stringify({ timestamp: "2026-01-02T03:04:05.000Z", type: "session_meta", payload: { id: THREAD_1, timestamp: "t", cwd: "/w" } })]);
    expect(isGeneration2025Rollout(current)).toBe(false);
    expect(readHeadSummary(current).generation).toBeUndefined();
  });
});
