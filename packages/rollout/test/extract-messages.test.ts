import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { extractThreadMetadataIncrementalSync, extractThreadMetadataSync, readRollout } from "../src/index.js";
import { THREAD_1, line, metaLine, userMessageLine, writeLines } from "./fixtures/builders.js";

const OPTS = { defaultProvider: "openai", collectMessages: true } as const;
const at = (s: number) => `2026-01-02T03:04:${String(s).padStart(2, "0")}.000Z`;

describe("extracting searchable messages", () => {
  let tmp: TempDir;
  let path: string;
  beforeEach(() => {
    tmp = makeTempDir();
    path = join(tmp.path, "sessions/2026/01/02", `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);
  });
  afterEach(() => tmp.cleanup());

  it("reads user, assistant and tool texts of both generations with positions, turns and times", async () => {
    writeLines(path, [
      metaLine(),
      line("event_msg", { type: "task_started", turn_id: "turn-a" }),
      line("response_item", { type: "message", role: "user", content: [{ type: "input_text", text: "<environment_context>" }] }),
      userMessageLine("legacy question about eviction"),
      "",
      line("response_item", { type: "function_call", name: "exec_command", arguments: '{"cmd":"ls"}', call_id: "c1" }),
      line("response_item", { type: "function_call_output", call_id: "c1", output: "file-a file-b" }),
      line("event_msg", { type: "agent_message", message: "legacy answer" }, { timestamp: at(30) }),
      line("event_msg", { type: "task_complete", turn_id: "turn-a" }),
      line("event_msg", { type: "task_started", turn_attribution: { turn_id: "turn-b" }, turn_id: "turn-b" }, { ordinal: 9 }),
      line("event_msg", { type: "item_completed", item: { type: "UserMessage", content: [{ type: "text", text: "paged question" }] } }),
      line("event_msg", { type: "item_completed", item: { type: "AgentMessage", content: [{ type: "Text", text: "paged answer" }] } }, { timestamp: at(40) }),
    ]);
    const x = extractThreadMetadataSync(path, OPTS);
    expect(x.messages).toEqual([
      { position: 3, turnId: "turn-a", role: "user", atMs: Date.parse("2026-01-02T03:04:06.000Z"), text: "legacy question about eviction" },
      { position: 4, turnId: "turn-a", role: "tool", atMs: Date.parse("2026-01-02T03:04:06.000Z"), text: 'exec_command {"cmd":"ls"}' },
      { position: 5, turnId: "turn-a", role: "tool", atMs: Date.parse("2026-01-02T03:04:06.000Z"), text: "file-a file-b" },
      { position: 6, turnId: "turn-a", role: "assistant", atMs: Date.parse(at(30)), text: "legacy answer" },
      { position: 9, turnId: "turn-b", role: "user", atMs: Date.parse("2026-01-02T03:04:06.000Z"), text: "paged question" },
      { position: 10, turnId: "turn-b", role: "assistant", atMs: Date.parse(at(40)), text: "paged answer" },
    ]);
    expect(x.messageCursor).toEqual({ itemCount: 11, openTurnId: "turn-b" });
    // Positions are the reader's item positions.
    const { lines } = await readRollout(path);
    for (const m of x.messages!) expect(JSON.stringify(lines[m.position])).toContain(m.text.split(" ")[0]!.replace(/"/g, '\\"'));
  });

  it("leaves a torn tail out, and a pass over appended bytes continues numbering and the open turn", () => {
    writeLines(path, [metaLine(), line("event_msg", { type: "task_started", turn_id: "t1" }), userMessageLine("first words")], '{"timestamp":"x","type":"event_msg","payload":{"type":"user_mess');
    const first = extractThreadMetadataSync(path, OPTS);
    expect(first.messages?.map((m) => m.text)).toEqual(["first words"]);
    expect(first.tornTail).toBeDefined();
    // The writer completes the line (moving the torn bytes aside is the recorder's job; here the tail is finished).
    appendFileSync(path, 'age","message":"torn then finished","images":[]}}\n' + userMessageLine("second words") + "\n");
    const next = extractThreadMetadataIncrementalSync(path, first.bytesRead, first, OPTS);
    expect(next.messagesResumed).toBe(true);
    expect(next.messages?.map((m) => [m.position, m.turnId, m.text])).toEqual([
      [3, "t1", "torn then finished"],
      [4, "t1", "second words"],
    ]);
    // Without a message cursor the pass starts again from byte 0.
    const { messageCursor: _c, ...noCursor } = first;
    const again = extractThreadMetadataIncrementalSync(path, first.bytesRead, noCursor, OPTS);
    expect(again.messagesResumed).toBe(false);
    expect(again.messages?.map((m) => m.text)).toEqual(["first words", "torn then finished", "second words"]);
    expect(readFileSync(path, "utf8")).toContain("second words");
  });

  it("numbers items as the reader does around damaged lines: a cut-off line continued by the next write, a line cut before its newline", async () => {
    const reasoning = line("response_item", { type: "reasoning", summary: [], encrypted_content: "gAAAA" });
    const context = line("turn_context", { cwd: "/w", model: "m" });
    writeLines(path, [
      metaLine(),
      userMessageLine("before the crash"),
      // A writer killed mid-line; the next write appended a whole line to the fragment.
      reasoning.slice(0, 100) + line("event_msg", { type: "agent_message", message: "lost in the merge" }),
      context.slice(0, 70), // cut before the end, then a newline
      // Valid, with a nested object keyed `timestamp` first: an item like any other.
      line("response_item", { type: "other_kind", data: { timestamp: "2026-01-02T03:04:06.000Z", n: 1 } }),
      userMessageLine("after the crash"),
    ]);
    const x = extractThreadMetadataSync(path, OPTS);
    const { lines } = await readRollout(path);
    expect(lines).toHaveLength(4); // meta, before, the nested one, after
    expect(x.messages?.map((m) => [m.position, m.text])).toEqual([
      [1, "before the crash"],
      [3, "after the crash"],
    ]);
    for (const m of x.messages!) expect(JSON.stringify(lines[m.position])).toContain(m.text);
    expect(x.messageCursor?.itemCount).toBe(lines.length);
  });

  it("collects nothing unless asked", () => {
    writeLines(path, [metaLine(), userMessageLine("hello")]);
    expect(extractThreadMetadataSync(path, { defaultProvider: "openai" }).messages).toBeUndefined();
  });
});

describe("positions of a paginated fork", () => {
  it("start at the fork's first ordinal (the items it inherits), as listItems numbers them", () => {
    const tmp = makeTempDir();
    try {
      const path = join(tmp.path, "sessions/2026/01/02", `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);
      writeLines(path, [
        line("session_meta", { id: THREAD_1, timestamp: at(5), cwd: "/w", originator: "t", cli_version: "0.169.0", source: "exec", history_mode: "paginated" }, { ordinal: 24 }),
        line("event_msg", { type: "item_completed", item: { type: "UserMessage", content: [{ type: "text", text: "fork question" }] } }, { ordinal: 25 }),
      ]);
      const x = extractThreadMetadataSync(path, OPTS);
      expect(x.messages?.map((m) => m.position)).toEqual([25]);
      expect(x.messageCursor).toEqual({ itemCount: 26 });
    } finally {
      tmp.cleanup();
    }
  });
});
