import type { RolloutLine } from "@skein/protocol";
import { describe, expect, it } from "vitest";
import { diffLines, patchOf, renderMarkdown, toTranscript } from "../src/index.js";

const line = (type: string, payload: unknown): RolloutLine => ({ timestamp: "2026-01-01T00:00:00.000Z", type, payload }) as RolloutLine;

describe("renderMarkdown", () => {
  it("shows every HTML tag of the input as text", () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\nhi <img src=x onerror=alert(2)> <b onclick="x()">b</b>');
    expect(html).not.toMatch(/<script|<img|<b /i);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(2)&gt;");
  });

  it("renders Markdown, keeps http links and drops javascript: and data: ones", () => {
    const html = renderMarkdown("**bold** [ok](https://example.com) [bad](javascript:alert(1)) [worse](data:text/html,x) ![i](http://x/y.png)");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain('<a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">ok</a>');
    expect(html).not.toMatch(/javascript:|data:text/);
    expect(html).not.toContain("<img");
  });
});

describe("patchOf", () => {
  const patch = "*** Begin Patch\n*** Update File: a.txt\n@@\n-old\n+new\n*** End Patch";
  it("finds the patch of apply_patch however it was called", () => {
    expect(patchOf("apply_patch", patch)).toBe(patch);
    expect(patchOf("apply_patch", JSON.stringify({ input: patch }))).toBe(patch);
    expect(patchOf("shell", JSON.stringify({ command: ["apply_patch", patch] }))).toBe(patch);
    expect(patchOf("exec_command", JSON.stringify({ cmd: `apply_patch <<'EOF'\n${patch}\nEOF` }))).toBe(patch);
    expect(patchOf("shell", JSON.stringify({ command: ["ls"] }))).toBeUndefined();
  });
  it("classifies diff lines", () => {
    expect(diffLines(patch).map((l) => l.kind)).toEqual(["marker", "file", "hunk", "del", "add", "marker"]);
  });
});

describe("toTranscript", () => {
  it("keeps what a person reads, with positions, and skips model context and duplicates", () => {
    const items = [
      line("session_meta", { id: "x", cwd: "/w", cli_version: "0.169.0" }),
      line("response_item", { type: "message", role: "user", content: [{ type: "input_text", text: "<environment_context>…" }] }),
      line("event_msg", { type: "user_message", message: "hello" }),
      line("response_item", { type: "reasoning", summary: [{ type: "summary_text", text: "thinking" }] }),
      line("response_item", { type: "function_call", name: "shell", arguments: '{"command":["ls"]}', call_id: "c1" }),
      line("response_item", { type: "function_call_output", call_id: "c1", output: { content: "a.txt", success: true } }),
      line("response_item", { type: "custom_tool_call", name: "apply_patch", input: "*** Begin Patch\n*** End Patch", call_id: "c2" }),
      line("response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] }),
      line("event_msg", { type: "agent_message", message: "done" }),
      line("event_msg", { type: "token_count", info: { last_token_usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7 }, total_token_usage: { total_tokens: 70 } } }),
    ].map((l, position) => ({ position, line: l }));
    const entries = toTranscript(items);
    expect(entries.map((e) => `${e.position}:${e.kind}`)).toEqual(["0:meta", "2:user", "3:reasoning", "4:tool_call", "5:tool_output", "6:patch", "7:assistant", "9:tokens"]);
    expect(entries[4]).toMatchObject({ kind: "tool_output", output: "a.txt" });
    expect(entries[7]).toMatchObject({ kind: "tokens", input: 5, output: 2, threadTotal: 70 });
  });

  it("clips a huge entry to the limit", () => {
    const [entry] = toTranscript([{ position: 0, line: line("event_msg", { type: "user_message", message: "x".repeat(50) }) }], 10);
    expect(entry).toMatchObject({ kind: "user" });
    expect((entry as { text: string }).text).toBe("x".repeat(50));
    const [out] = toTranscript([{ position: 1, line: line("response_item", { type: "function_call_output", output: "y".repeat(50) }) }], 10);
    expect((out as { output: string }).output).toMatch(/^y{10}\n… \(40 more characters\)$/);
  });
});
