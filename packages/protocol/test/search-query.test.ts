import { describe, expect, it } from "vitest";
import {
  MAX_TOOL_TEXT_CHARS,
  markSnippet,
  matchSearchQuery,
  parseSearchQuery,
  searchSnippet,
  searchableMessageOf,
} from "../src/index.js";

const matches = (text: string, query: string) => matchSearchQuery(text, parseSearchQuery(query)) !== undefined;

describe("parseSearchQuery", () => {
  it("ANDs words, folds case and diacritics, makes 3+ letter words prefixes", () => {
    expect(parseSearchQuery("Éviction  POLICY").terms).toEqual([
      { words: ["eviction"], prefix: true },
      { words: ["policy"], prefix: true },
    ]);
  });

  it("keeps words under 3 characters whole unless starred", () => {
    expect(parseSearchQuery("db io* x").terms).toEqual([
      { words: ["db"], prefix: false },
      { words: ["io"], prefix: true },
      { words: ["x"], prefix: false },
    ]);
  });

  it("reads quoted phrases as whole words in order, `\"…\"*` as a prefix phrase, an unclosed quote to the end", () => {
    expect(parseSearchQuery('"eviction policy" cache').terms).toEqual([
      { words: ["eviction", "policy"], prefix: false },
      { words: ["cache"], prefix: true },
    ]);
    expect(parseSearchQuery('"evict pol"*').terms).toEqual([{ words: ["evict", "pol"], prefix: true }]);
    expect(parseSearchQuery('find "open ended').terms).toEqual([
      { words: ["find"], prefix: true },
      { words: ["open", "ended"], prefix: false },
    ]);
  });

  it("turns a chunk the tokenizer splits into a phrase and drops chunks without letters or digits", () => {
    expect(parseSearchQuery("100%_done % * \"\" -- ^").terms).toEqual([{ words: ["100", "done"], prefix: true }]);
  });

  it("treats FTS and SQL syntax as words", () => {
    expect(parseSearchQuery('NEAR(a b) OR x:y "\'; DROP').terms.map((t) => t.words)).toEqual([
      ["near", "a"],
      ["b"],
      ["or"],
      ["x", "y"],
      ["drop"],
    ]);
  });

  it("parses 10,000 characters of anything without throwing", () => {
    const hostile = '"*(:^-'.repeat(1700);
    expect(parseSearchQuery(hostile).terms).toEqual([]);
    expect(parseSearchQuery("a".repeat(10_000)).terms).toEqual([{ words: ["a".repeat(10_000)], prefix: true }]);
  });
});

describe("matchSearchQuery", () => {
  it("matches every word (AND), in any order, case and diacritics insensitive", () => {
    expect(matches("The cache Eviction policy", "policy évICTION")).toBe(true);
    expect(matches("The cache eviction", "eviction policy")).toBe(false);
    expect(matches("Le café crème", "CAFE creme")).toBe(true);
  });

  it("matches a prefix for plain 3+ letter words and `*`, whole words for short ones", () => {
    expect(matches("evictions happen", "evict")).toBe(true);
    expect(matches("evictions happen", "evict*")).toBe(true);
    expect(matches("evictions happen", "viction")).toBe(false);
    expect(matches("dbx", "db")).toBe(false);
    expect(matches("dbx", "db*")).toBe(true);
  });

  it("matches quoted phrases as consecutive whole words", () => {
    expect(matches("the eviction policy is LRU", '"eviction policy"')).toBe(true);
    expect(matches("the policy of eviction", '"eviction policy"')).toBe(false);
    expect(matches("the evictions policy", '"evict policy"')).toBe(false);
    expect(matches("eviction, policy", '"eviction policy"')).toBe(true);
  });

  it("returns word-aligned ranges of the original text", () => {
    const text = "Évict the CACHE";
    expect(matchSearchQuery(text, parseSearchQuery("evict cache"))).toEqual([[0, 5], [10, 15]]);
  });

  it("never matches an empty query", () => {
    expect(matches("anything", "%")).toBe(false);
  });
});

describe("searchSnippet", () => {
  it("keeps context around the first match, marks matches, collapses whitespace and shows cuts", () => {
    const text = `${"lead ".repeat(40)}the   eviction\npolicy${" tail".repeat(60)}`;
    const q = parseSearchQuery("eviction policy");
    const s = searchSnippet(text, matchSearchQuery(text, q)!);
    const marked = markSnippet(s);
    expect(marked.startsWith("…")).toBe(true);
    expect(marked.endsWith("…")).toBe(true);
    expect(marked).toContain("the [eviction] [policy] tail");
    expect(s.text.length).toBeLessThan(240);
  });

  it("returns a short text whole", () => {
    const text = "fix the flaky test";
    expect(markSnippet(searchSnippet(text, matchSearchQuery(text, parseSearchQuery("flaky"))!))).toBe("fix the [flaky] test");
  });
});

describe("searchableMessageOf", () => {
  const event = (payload: Record<string, unknown>) => ({ type: "event_msg", payload }) as const;
  it("reads user and agent messages of both history generations", () => {
    expect(searchableMessageOf(event({ type: "user_message", message: "hi there", images: [] }))).toEqual({ role: "user", text: "hi there" });
    expect(searchableMessageOf(event({ type: "agent_message", message: "hello" }))).toEqual({ role: "assistant", text: "hello" });
    expect(searchableMessageOf(event({ type: "item_completed", item: { type: "UserMessage", content: [{ type: "text", text: "paged q" }] } }))).toEqual({ role: "user", text: "paged q" });
    expect(searchableMessageOf(event({ type: "item_completed", item: { type: "AgentMessage", content: [{ type: "Text", text: "paged a" }] } }))).toEqual({ role: "assistant", text: "paged a" });
  });

  it("skips model-input copies and reads tool calls and outputs as role tool (capped)", () => {
    expect(searchableMessageOf({ type: "response_item", payload: { type: "message", role: "user", content: [{ type: "input_text", text: "<environment_context>" }] } })).toBeUndefined();
    expect(searchableMessageOf({ type: "response_item", payload: { type: "function_call", name: "exec_command", arguments: '{"cmd":"ls"}' } })).toEqual({ role: "tool", text: 'exec_command {"cmd":"ls"}' });
    const long = searchableMessageOf({ type: "response_item", payload: { type: "function_call_output", output: "x".repeat(MAX_TOOL_TEXT_CHARS + 10) } });
    expect(long?.text.length).toBe(MAX_TOOL_TEXT_CHARS);
  });
});
