import { describe, expect, it } from "vitest";
import { buildModelRequest } from "../src/index.js";
import { agentMessage, assistantOutput, LOOKUP_TOOL, userInput, userMessage } from "./fixtures/items.js";

describe("buildModelRequest", () => {
  it("sends the model-visible response items in order, without events", () => {
    const request = buildModelRequest({ history: [userInput("hi"), userMessage("hi"), assistantOutput("hello"), agentMessage("hello")], model: "m" });
    expect(request).toEqual({
      model: "m",
      instructions: "",
      input: [userInput("hi").payload, assistantOutput("hello").payload],
      tools: [],
    });
  });

  it("turns dynamic tools into function tools with their input schema as parameters", () => {
    const request = buildModelRequest({ history: [], model: "m", baseInstructions: "base", dynamicTools: [LOOKUP_TOOL, { name: "legacy", description: "d", input_schema: { type: "object" } }] });
    expect(request.instructions).toBe("base");
    expect(request.tools).toEqual([
      { type: "function", name: "lookup", description: LOOKUP_TOOL.description, parameters: LOOKUP_TOOL.inputSchema },
      { type: "function", name: "legacy", description: "d", parameters: { type: "object" } },
    ]);
  });

  it("leaves deferred tools out", () => {
    expect(buildModelRequest({ history: [], model: "m", dynamicTools: [{ ...LOOKUP_TOOL, defer_loading: true }] }).tools).toEqual([]);
  });

  it("replaces everything before the last compaction with its replacement history", () => {
    const summary = { type: "message", role: "user", content: [{ type: "input_text", text: "summary" }] };
    const request = buildModelRequest({
      history: [userInput("old"), assistantOutput("old answer"), { type: "compacted", payload: { message: "s", replacement_history: [summary] } }, userInput("new")],
      model: "m",
    });
    expect(request.input).toEqual([summary, userInput("new").payload]);
  });

  it("keeps earlier user messages and adds the summary for a compaction without replacement history", () => {
    const request = buildModelRequest({ history: [userInput("old"), assistantOutput("answer"), { type: "compacted", payload: { message: "the summary" } }], model: "m" });
    expect(request.input).toEqual([userInput("old").payload, userInput("the summary").payload]);
  });

  it("drops legacy ghost snapshots", () => {
    expect(buildModelRequest({ history: [{ type: "response_item", payload: { type: "ghost_snapshot" } }], model: "m" }).input).toEqual([]);
  });
});
