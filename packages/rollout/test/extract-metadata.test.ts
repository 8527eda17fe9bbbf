import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codexFixtureIds, extractCodexHome, makeTempDir, readCodexThreadRows, type TempDir } from "@skein/testkit";
import {
  RolloutNotFoundError,
  extractThreadMetadata,
  extractThreadMetadataIncrementalSync,
  extractThreadMetadataSync,
  findRolloutPath,
  scanRolloutFiles,
} from "../src/index.js";
import { THREAD_1, THREAD_2, line, metaLine, userMessageLine, writeLines } from "./fixtures/builders.js";

const OPTS = { defaultProvider: "openai" };
const tokenCount = (total: number | null) =>
  line("event_msg", { type: "token_count", info: total === null ? null : { total_token_usage: { total_tokens: total } } });
const turnContext = (fields: Record<string, unknown>) => line("turn_context", { cwd: "/tc", approval_policy: "never", model: "m1", ...fields });

describe("extractThreadMetadata", () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = join(tmp.path, "sessions/2026/01/02", `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);
  });
  afterEach(() => tmp.cleanup());

  it("takes the row's identity from the session_meta", () => {
    writeLines(file, [metaLine({ thread_source: "user", agent_nickname: "nick" })]);
    expect(extractThreadMetadataSync(file, OPTS)).toMatchObject({
      threadId: THREAD_1,
      rolloutPath: file,
      createdAtMs: Date.UTC(2026, 0, 2, 3, 4, 5),
      cwd: "/work",
      source: "cli",
      threadSource: "user",
      agentNickname: "nick",
      modelProvider: "openai",
      cliVersion: "0.169.0",
      approvalMode: "on-request",
      historyMode: "legacy",
      archived: false,
      hasSessionMeta: true,
    });
  });

  it("falls back to the file name without a session_meta", () => {
    writeLines(file, [userMessageLine("hi")]);
    expect(extractThreadMetadataSync(file, { defaultProvider: "mock" })).toMatchObject({
      threadId: THREAD_1,
      createdAtMs: Date.UTC(2026, 0, 2, 3, 4, 5),
      source: "unknown",
      modelProvider: "mock",
      hasSessionMeta: false,
      preview: "hi",
    });
  });

  it("uses the default provider when the meta names none", () => {
    writeLines(file, [metaLine({ model_provider: null })]);
    expect(extractThreadMetadataSync(file, { defaultProvider: "dflt" }).modelProvider).toBe("dflt");
  });

  it("sets title, preview and first message from event user messages", () => {
    writeLines(file, [metaLine(), userMessageLine("first"), userMessageLine("second")]);
    expect(extractThreadMetadataSync(file, OPTS)).toMatchObject({ title: "first", preview: "first", firstUserMessage: "first" });
  });

  it("does not take a title or first message from response_item user messages", () => {
    writeLines(file, [metaLine(), line("response_item", { type: "message", role: "user", content: [{ type: "input_text", text: "env" }] })]);
    const meta = extractThreadMetadataSync(file, OPTS);
    expect(meta.title).toBeUndefined();
    expect(meta.firstUserMessage).toBeUndefined();
    expect(meta.preview).toBeUndefined();
  });

  it("gives an image-only message the [Image] preview but no title", () => {
    writeLines(file, [metaLine(), userMessageLine("", ["img"]), userMessageLine("words")]);
    expect(extractThreadMetadataSync(file, OPTS)).toMatchObject({ preview: "[Image]", firstUserMessage: "[Image]", title: "words" });
  });

  it("keeps the first user message empty for a blank message", () => {
    writeLines(file, [metaLine(), userMessageLine("  ")]);
    expect(extractThreadMetadataSync(file, OPTS).firstUserMessage).toBeUndefined();
  });

  it("lets a goal set only the preview; a later user message sets message and title", () => {
    writeLines(file, [metaLine(), line("event_msg", { type: "thread_goal_updated", goal: { objective: "goal!" } }), userMessageLine("msg")]);
    expect(extractThreadMetadataSync(file, OPTS)).toMatchObject({ preview: "goal!", firstUserMessage: "msg", title: "msg" });
  });

  it("does not let turn_context override the session cwd, but takes model and approval", () => {
    writeLines(file, [metaLine(), turnContext({ model: "m1", effort: "high" }), turnContext({ model: "m2", permission_profile: { type: "disabled" } })]);
    expect(extractThreadMetadataSync(file, OPTS)).toMatchObject({ cwd: "/work", model: "m2", approvalMode: "never", permissionProfile: { type: "disabled" } });
    expect(extractThreadMetadataSync(file, OPTS).reasoningEffort).toBeUndefined();
  });

  it("takes the cwd from turn_context when the meta has none", () => {
    writeLines(file, [metaLine({ cwd: "" }), turnContext({})]);
    expect(extractThreadMetadataSync(file, OPTS).cwd).toBe("/tc");
  });

  it("counts tokens from the last token_count that has info", () => {
    writeLines(file, [metaLine(), tokenCount(10), tokenCount(25), tokenCount(null)]);
    expect(extractThreadMetadataSync(file, OPTS).tokensUsed).toBe(25);
  });

  it("takes memory mode from the last session_meta copy and ignores foreign metas", () => {
    writeLines(file, [metaLine(), metaLine({ memory_mode: "disabled" }), metaLine({ id: THREAD_2, memory_mode: "polluted", cwd: "/other" })]);
    expect(extractThreadMetadataSync(file, OPTS)).toMatchObject({ memoryMode: "disabled", cwd: "/work" });
  });

  it("sets git from a meta that has the key, clears it with an empty object, keeps it otherwise", () => {
    writeLines(file, [metaLine({ git: { commit_hash: "a", branch: "b", repository_url: "u" } }), metaLine()]);
    expect(extractThreadMetadataSync(file, OPTS).gitInfo).toEqual({ sha: "a", branch: "b", originUrl: "u" });
    writeLines(file, [metaLine({ git: { commit_hash: "a" } }), metaLine({ git: {} })]);
    expect(extractThreadMetadataSync(file, OPTS).gitInfo).toBeUndefined();
  });

  it("counts unparseable relevant lines and reports a torn tail", () => {
    writeLines(file, [metaLine(), "{oops"], '{"timestamp":"x');
    const meta = extractThreadMetadataSync(file, OPTS);
    expect(meta.parseErrors).toBe(1);
    expect(meta.tornTail).toEqual({ byteOffset: metaLine().length + 7, length: 15 });
    expect(meta.bytesRead).toBe(metaLine().length + 7);
  });

  it("marks files in archived_sessions as archived", () => {
    const archived = join(tmp.path, "archived_sessions", `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);
    writeLines(archived, [metaLine()]);
    expect(extractThreadMetadataSync(archived, OPTS).archived).toBe(true);
  });

  it("throws RolloutNotFoundError for a missing file", () => {
    expect(() => extractThreadMetadataSync(file, OPTS)).toThrow(new RolloutNotFoundError(file));
  });

  describe("incremental", () => {
    it("reads only the appended bytes and matches a full pass", () => {
      writeLines(file, [metaLine(), tokenCount(5)]);
      const first = extractThreadMetadataSync(file, OPTS);
      appendFileSync(file, `${userMessageLine("later")}\n${tokenCount(9)}\n${turnContext({ model: "m9" })}\n`);
      const next = extractThreadMetadataIncrementalSync(file, first.bytesRead, first, OPTS);
      const full = extractThreadMetadataSync(file, OPTS);
      expect(next).toEqual(full);
      expect(next).toMatchObject({ tokensUsed: 9, title: "later", model: "m9" });
    });

    it("starts over when the byte before the offset is not a line end (the file was rewritten)", () => {
      writeLines(file, [metaLine(), userMessageLine("a")]);
      const first = extractThreadMetadataSync(file, OPTS);
      writeLines(file, [metaLine({ cwd: "/rewritten-and-longer" }), userMessageLine("b"), userMessageLine("c")]);
      const next = extractThreadMetadataIncrementalSync(file, first.bytesRead, first, OPTS);
      expect(next).toEqual(extractThreadMetadataSync(file, OPTS));
      expect(next).toMatchObject({ cwd: "/rewritten-and-longer", title: "b" });
    });

    it("starts over when the file shrank", () => {
      writeLines(file, [metaLine(), userMessageLine("a"), userMessageLine("b")]);
      const first = extractThreadMetadataSync(file, OPTS);
      writeLines(file, [metaLine(), userMessageLine("z")]);
      expect(extractThreadMetadataIncrementalSync(file, first.bytesRead, first, OPTS).title).toBe("z");
    });
  });
});

describe("extractThreadMetadata on Codex homes", () => {
  it("derives the rows Codex itself stored for codexhome2", async () => {
    const home = extractCodexHome("codexhome2");
    try {
      const ids = codexFixtureIds(2);
      const codexRows = readCodexThreadRows(home.path);
      const byId = new Map<string, Awaited<ReturnType<typeof extractThreadMetadata>>>();
      for (const f of await scanRolloutFiles(home.path)) byId.set(f.threadId, await extractThreadMetadata(f.path, { ...OPTS, home: home.path }));
      expect([...byId.keys()].sort()).toEqual([...codexRows.keys()].sort());
      for (const [id, row] of codexRows) {
        const ours = byId.get(id)!;
        expect({ id, ...ours }).toMatchObject({
          id,
          firstUserMessage: row.firstUserMessage,
          preview: row.preview,
          tokensUsed: row.tokensUsed,
          source: row.source,
          archived: row.archived,
          model: row.model,
          modelProvider: row.modelProvider,
          approvalMode: row.approvalMode,
          permissionProfile: JSON.parse(row.sandboxPolicy) as unknown,
        });
        expect(ours.parseErrors).toBe(0);
      }
      // The roles the scenario gives, as Codex recorded them.
      expect(byId.get(ids["T_A"]!)).toMatchObject({ title: "say hi", preview: "say hi", source: "exec" });
      expect(byId.get(ids["T_C"]!)).toMatchObject({ firstUserMessage: "forked: say hi from the fork", preview: "say hi", forkedFromId: ids["T_A"] });
      expect(byId.get(ids["T_F"]!)).toMatchObject({ firstUserMessage: "tui fork prompt", preview: "say hi", source: "cli", forkedFromId: ids["T_A"] });
      expect(byId.get(ids["T_B"]!)).toMatchObject({ archived: true });
      expect(byId.get(ids["T_L"]!)).toMatchObject({ firstUserMessage: "legacy thread via app-server, please use [[tool:mock_lookup]]", source: "vscode" });
    } finally {
      home.cleanup();
    }
  });

  it("reads 0.100.0 rollouts as legacy with their CLI version", async () => {
    const home = extractCodexHome("codexhome3-oldcli");
    try {
      const path = (await findRolloutPath(home.path, codexFixtureIds(3)["T3_A"]!))!.path;
      expect(extractThreadMetadataSync(path, OPTS)).toMatchObject({ cliVersion: "0.100.0", historyMode: "legacy", hasSessionMeta: true });
    } finally {
      home.cleanup();
    }
  });
});

describe("extractThreadMetadata line selection", () => {
  it("skips parsing lines that cannot change metadata", () => {
    const tmp = makeTempDir();
    try {
      const file = join(tmp.path, `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);
      mkdirSync(tmp.path, { recursive: true });
      // A response_item line that is not valid JSON past its envelope: parsing it would count an error.
      const body = '{"timestamp":"2026-01-02T03:04:06.000Z","type":"response_item","payload":{"type":"message", BROKEN';
      writeFileSync(file, `${metaLine()}\n${body}\n${body}\n`);
      expect(extractThreadMetadataSync(file, OPTS).parseErrors).toBe(0);
    } finally {
      tmp.cleanup();
    }
  });
});

describe("extractThreadMetadata on large lines and files", () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = join(tmp.path, `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);
  });
  afterEach(() => tmp.cleanup());

  const instructions = (n: number) => `Say "hi" \\ then {"type":"x"} [${"a".repeat(n)}] \u00e9 é`;

  it("reads a session_meta whose base instructions are long, with escapes, as a full parse would", () => {
    writeLines(file, [metaLine({ base_instructions: { text: instructions(30_000) }, cwd: "/after-instructions" }), userMessageLine("hi")]);
    expect(extractThreadMetadataSync(file, OPTS)).toMatchObject({ hasSessionMeta: true, cwd: "/after-instructions", parseErrors: 0, title: "hi" });
  });

  it("keeps a session_meta whose base instructions are not text, as Codex does (the field is set aside)", () => {
    writeLines(file, [metaLine({ base_instructions: { text: 5 }, padding: "p".repeat(1000) })]);
    expect(extractThreadMetadataSync(file, OPTS)).toMatchObject({ hasSessionMeta: true, parseErrors: 0, cwd: "/work" });
  });

  it("keeps lines that span read chunks, and the last turn_context of an early chunk", () => {
    const big = "x".repeat(1_500_000); // longer than one 1 MiB read
    writeLines(file, [
      metaLine(),
      turnContext({ model: "early", note: "y".repeat(700_000) }),
      line("response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: big }] }),
      userMessageLine(`long ${"z".repeat(1_200_000)}`),
      tokenCount(42),
      line("response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: big }] }),
    ]);
    const x = extractThreadMetadataSync(file, OPTS);
    expect(x).toMatchObject({ model: "early", tokensUsed: 42, parseErrors: 0, hasSessionMeta: true });
    expect(x.title).toHaveLength(5 + 1_200_000);
    expect(x.bytesRead).toBe(x.size);
  });

  it("reports a torn tail that spans read chunks", () => {
    writeLines(file, [metaLine()], `{"timestamp":"2026-01-02T03:04:06.000Z","type":"event_msg","payload":{"type":"user_message","message":"${"t".repeat(2_500_000)}`);
    const x = extractThreadMetadataSync(file, OPTS);
    expect(x.tornTail).toEqual({ byteOffset: metaLine().length + 1, length: x.size - metaLine().length - 1 });
    expect(x.title).toBeUndefined();
  });
});
