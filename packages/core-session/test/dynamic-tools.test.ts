import { newThreadId } from "@skein/protocol";
import { describe, expect, it } from "vitest";
import { DYNAMIC_TOOLS_REVISION_KEY, dynamicToolsFromHistory, dynamicToolsRecord, InvalidSessionRequestError, mergeDynamicTools, normalizeDynamicTools } from "../src/index.js";
import { CLOCK_TOOL, LOOKUP_TOOL, sessionMeta } from "./fixtures/items.js";

const A = { name: "a", description: "A" };
const B = { name: "b", description: "B" };
const C = { name: "c", description: "C" };

describe("mergeDynamicTools", () => {
  it("keeps the stored tools when none are passed", () => {
    expect(mergeDynamicTools([A, B], [])).toEqual([A, B]);
  });

  it("replaces a same-named tool in place and appends new ones in passed order", () => {
    const b2 = { name: "b", description: "B v2" };
    expect(mergeDynamicTools([A, B], [C, b2])).toEqual([A, b2, C]);
  });

  it("treats the same name in another namespace as another tool", () => {
    const nsA = { namespace: "x", name: "a", description: "xA" };
    expect(mergeDynamicTools([A], [nsA])).toEqual([A, nsA]);
  });

  it("uses only the passed tools in replace mode", () => {
    expect(mergeDynamicTools([A, B], [C], "replace")).toEqual([C]);
  });
});

describe("normalizeDynamicTools", () => {
  it("converts tools to the form Codex 0.169 writes", () => {
    expect(normalizeDynamicTools([{ name: "x", description: "d", input_schema: { type: "object" } }])).toEqual([{ type: "function", name: "x", description: "d", inputSchema: { type: "object" } }]);
  });

  it("rejects a tool without a name", () => {
    expect(() => normalizeDynamicTools([{ description: "d" }])).toThrow(InvalidSessionRequestError);
  });
});

describe("dynamicToolsFromHistory", () => {
  it("reads the tools of the thread's first session_meta", () => {
    const id = newThreadId();
    expect(dynamicToolsFromHistory([sessionMeta(id, { dynamic_tools: [LOOKUP_TOOL] })], id).map((t) => t.name)).toEqual(["lookup"]);
  });

  it("prefers the latest marked copy over the first session_meta", () => {
    const id = newThreadId();
    const history = [sessionMeta(id, { dynamic_tools: [LOOKUP_TOOL] })];
    history.push(dynamicToolsRecord(history, id, [LOOKUP_TOOL, CLOCK_TOOL])!);
    expect(dynamicToolsFromHistory(history, id).map((t) => t.name)).toEqual(["lookup", "clock"]);
  });

  it("ignores an unmarked copy of the head line (a store's memory-mode copy)", () => {
    const id = newThreadId();
    const head = sessionMeta(id, { dynamic_tools: [LOOKUP_TOOL] });
    const history = [head];
    history.push(dynamicToolsRecord(history, id, [CLOCK_TOOL])!);
    history.push(sessionMeta(id, { dynamic_tools: [LOOKUP_TOOL], memory_mode: "disabled" }));
    expect(dynamicToolsFromHistory(history, id).map((t) => t.name)).toEqual(["clock"]);
  });

  it("ignores the embedded session_meta of a fork's source", () => {
    const id = newThreadId();
    const source = newThreadId();
    const history = [sessionMeta(id, { dynamic_tools: [CLOCK_TOOL] }), sessionMeta(source, { dynamic_tools: [LOOKUP_TOOL], [DYNAMIC_TOOLS_REVISION_KEY]: 3 })];
    expect(dynamicToolsFromHistory(history, id).map((t) => t.name)).toEqual(["clock"]);
  });

  it("reads the tools of the first session_meta of a Codex legacy rollout", () => {
    const id = "01a2143c-7382-7011-a465-76ca36419bdf";
    const history = [sessionMeta(id, { dynamic_tools: [{ type: "function", name: "mock_lookup", description: "Look up a value by key (mock dynamic tool)", inputSchema: { type: "object", properties: { key: { type: "string" } }, required: ["key"] } }] })];
    expect(dynamicToolsFromHistory(history).map((t) => t.name)).toEqual(["mock_lookup"]);
  });
});

describe("dynamicToolsRecord", () => {
  it("copies the latest own session_meta and bumps the revision", () => {
    const id = newThreadId();
    const history = [sessionMeta(id, { memory_mode: "enabled" }), sessionMeta(id, { memory_mode: "disabled" })];
    const first = dynamicToolsRecord(history, id, [CLOCK_TOOL])!;
    expect(first.payload).toMatchObject({ id, memory_mode: "disabled", [DYNAMIC_TOOLS_REVISION_KEY]: 1, dynamic_tools: [{ type: "function", name: "clock" }] });
    history.push(first);
    expect(dynamicToolsRecord(history, id, [])!.payload).toMatchObject({ [DYNAMIC_TOOLS_REVISION_KEY]: 2, dynamic_tools: [] });
  });
});
