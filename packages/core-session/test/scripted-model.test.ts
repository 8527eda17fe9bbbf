import { describe, expect, it } from "vitest";
import { buildModelRequest, ScriptedModel } from "../src/index.js";
import { LOOKUP_TOOL, userInput } from "./fixtures/items.js";

describe("ScriptedModel", () => {
  it("echoes the last user message with its call number", async () => {
    const model = new ScriptedModel();
    const reply = await model.respond(buildModelRequest({ history: [userInput("hello")], model: "m" }));
    expect(reply.output).toEqual([{ type: "message", role: "assistant", content: [{ type: "output_text", text: "hi from scripted model #1 (you said: hello)" }] }]);
    expect(reply.usage!.totalTokens).toBe(reply.usage!.inputTokens + reply.usage!.outputTokens);
  });

  it("calls an offered tool named by [[tool:name]] with sample arguments", async () => {
    const model = new ScriptedModel();
    const reply = await model.respond(buildModelRequest({ history: [userInput("[[tool:lookup]] go")], model: "m", dynamicTools: [LOOKUP_TOOL] }));
    expect(reply.output).toEqual([{ type: "function_call", name: "lookup", arguments: '{"key":"alpha"}', call_id: "call_scripted_1" }]);
  });

  it("echoes instead of calling a tool the request does not offer", async () => {
    const reply = await new ScriptedModel().respond(buildModelRequest({ history: [userInput("[[tool:lookup]] go")], model: "m" }));
    expect(reply.output[0]!.type).toBe("message");
  });

  it("reports a tool result", async () => {
    const history = [userInput("[[tool:lookup]]"), { type: "response_item" as const, payload: { type: "function_call_output", call_id: "c1", output: "42" } }];
    const reply = await new ScriptedModel().respond(buildModelRequest({ history, model: "m", dynamicTools: [LOOKUP_TOOL] }));
    expect(reply.output).toEqual([{ type: "message", role: "assistant", content: [{ type: "output_text", text: "Tool c1 finished. Output starts: 42" }] }]);
  });
});
