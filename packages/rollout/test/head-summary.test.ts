import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codexFixtureIds, extractCodexHome, makeTempDir, type TempDir } from "@skein/testkit";
import { EmptyRolloutError, MissingSessionMetaError, findRolloutPath, readHeadSummary, resolveLineagePreview } from "../src/index.js";
import { THREAD_1, line, metaLine, userMessageLine, writeLines } from "./fixtures/builders.js";

const goal = (objective: string) => line("event_msg", { type: "thread_goal_updated", goal: { objective } });
const filler = (n: number) => Array.from({ length: n }, () => line("response_item", { type: "message", role: "user", content: [] }));

describe("readHeadSummary", () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = join(tmp.path, "r.jsonl");
  });
  afterEach(() => tmp.cleanup());

  it("reads listing facts from the first session_meta", () => {
    writeLines(file, [metaLine({ forked_from_id: THREAD_1, git: { commit_hash: "abc", branch: "main" } }), userMessageLine("hi"), metaLine({ cwd: "/elsewhere" })]);
    const head = readHeadSummary(file);
    expect(head).toMatchObject({
      threadId: THREAD_1,
      createdAtMs: Date.UTC(2026, 0, 2, 3, 4, 5),
      cwd: "/work",
      source: "cli",
      modelProvider: "openai",
      cliVersion: "0.169.0",
      forkedFromId: THREAD_1,
      historyMode: "legacy",
      gitInfo: { sha: "abc", branch: "main" },
      preview: "hi",
      firstUserMessage: "hi",
      needsLineagePreview: false,
    });
  });

  it("strips everything through Codex's request marker", () => {
    writeLines(file, [metaLine(), userMessageLine("<context>stuff</context>\n## My request for Codex:\n  fix it  ")]);
    expect(readHeadSummary(file).preview).toBe("fix it");
  });

  it("shows [Image] for an image-only message", () => {
    writeLines(file, [metaLine(), userMessageLine("", ["data:image/png;base64,AA"])]);
    expect(readHeadSummary(file)).toMatchObject({ preview: "[Image]", firstUserMessage: "[Image]" });
  });

  it("ignores a blank message", () => {
    writeLines(file, [metaLine(), userMessageLine("   "), userMessageLine("real")]);
    expect(readHeadSummary(file).preview).toBe("real");
  });

  it("uses a goal objective as the preview when it comes first", () => {
    writeLines(file, [metaLine(), goal("  ship it "), userMessageLine("later")]);
    expect(readHeadSummary(file)).toMatchObject({ preview: "ship it", firstUserMessage: "later" });
  });

  it("reads the paginated item_completed user message", () => {
    const item = line("event_msg", { type: "item_completed", thread_id: THREAD_1, turn_id: "t", item: { type: "UserMessage", id: "i", content: [{ type: "text", text: "paged hi", text_elements: [] }] } });
    writeLines(file, [metaLine({ history_mode: "paginated" }), item]);
    expect(readHeadSummary(file)).toMatchObject({ preview: "paged hi", historyMode: "paginated" });
  });

  it("ignores response_item user messages (model input, not the user's words)", () => {
    writeLines(file, [metaLine(), line("response_item", { type: "message", role: "user", content: [{ type: "input_text", text: "<environment_context>" }] })]);
    expect(readHeadSummary(file).preview).toBeUndefined();
  });

  it("keeps reading past 10 records while the preview is missing, up to 210", () => {
    writeLines(file, [metaLine(), ...filler(150), userMessageLine("deep")]);
    expect(readHeadSummary(file).preview).toBe("deep");
    writeLines(file, [metaLine(), ...filler(300), userMessageLine("too deep")]);
    const head = readHeadSummary(file);
    expect(head.preview).toBeUndefined();
    expect(head.recordsRead).toBe(210);
  });

  it("stops after 10 records once the preview is known, without reading the rest", () => {
    const big = "y".repeat(8 * 1024 * 1024);
    writeLines(file, [metaLine(), userMessageLine("hi"), ...filler(20), line("response_item", { type: "message", content: [{ text: big }] })]);
    expect(statSync(file).size).toBeGreaterThan(8 * 1024 * 1024);
    const head = readHeadSummary(file);
    expect(head.recordsRead).toBe(10);
  });

  it("flags a paginated fork as needing its lineage's preview", () => {
    writeLines(file, [metaLine({ history_mode: "paginated", history_base: { thread_id: THREAD_1, end_byte_offset: 10 } }), userMessageLine("own")]);
    expect(readHeadSummary(file)).toMatchObject({ preview: "own", needsLineagePreview: true });
  });

  it("rejects an empty file and a head without session_meta", () => {
    writeFileSync(file, "\n\n");
    expect(() => readHeadSummary(file)).toThrow(new EmptyRolloutError(file));
    writeLines(file, [userMessageLine("orphan")]);
    expect(() => readHeadSummary(file)).toThrow(new MissingSessionMetaError(file));
  });
});

describe("readHeadSummary on Codex homes", () => {
  it("gives a fork its lineage's first user message as the preview", async () => {
    const home = extractCodexHome("codexhome2");
    try {
      const ids = codexFixtureIds(2);
      for (const id of ["T_C", "T_F"]) {
        const head = readHeadSummary((await findRolloutPath(home.path, ids[id]!))!.path);
        expect(head.forkedFromId).toBe(ids["T_A"]);
        expect(head.needsLineagePreview).toBe(true);
        expect(await resolveLineagePreview(home.path, head)).toBe("say hi");
      }
      const own = readHeadSummary((await findRolloutPath(home.path, ids["T_C"]!))!.path);
      expect(own.firstUserMessage).toBe("forked: say hi from the fork");
    } finally {
      home.cleanup();
    }
  });

  it("summarizes a 0.100.0 rollout", async () => {
    const home = extractCodexHome("codexhome3-oldcli");
    try {
      const head = readHeadSummary((await findRolloutPath(home.path, codexFixtureIds(3)["T3_B"]!))!.path);
      expect(head).toMatchObject({ cliVersion: "0.100.0", historyMode: "legacy", source: "exec", modelProvider: "mock" });
      expect(head.preview).toBe("[[tool:exec_command]] run it"); // the first user message of the hand-written rollout
    } finally {
      home.cleanup();
    }
  });
});
