import { ModelCallError, type TurnEvent, TurnInterruptedError, TurnLimitExceededError, TURN_ABORTED_MARKER } from "@skein/core-session";
import { afterEach, describe, expect, it } from "vitest";
import { ModelResponseError, OpenAIResponsesModel } from "../src/index.js";
import { comparable, type Home, LOOKUP_TOOL, openHome, shapes } from "./support/homes.js";
import { functionCall, message, ResponsesServer, type Reply, USAGE } from "./support/responses-server.js";

const ANSWER: Reply = { kind: "answer", output: [message("msg_1", "Paris is sunny today, 21 degrees.")] };
const CALL: Reply = { kind: "answer", output: [functionCall(1, "lookup", { key: "alpha" })] };
const AFTER_TOOL: Reply = { kind: "answer", output: [message("msg_2", "The value is 42.")] };

const opened: Array<{ close(): Promise<void> }> = [];
async function setup(script: Reply[]): Promise<{ server: ResponsesServer; home: Home }> {
  const server = await ResponsesServer.start(script);
  const home = await openHome();
  opened.push(home, server);
  return { server, home };
}
afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) await resource.close();
});

function model(server: ResponsesServer, options: ConstructorParameters<typeof OpenAIResponsesModel>[0] = {}) {
  return new OpenAIResponsesModel({ baseURL: server.url, apiKey: "test-key", maxRetries: 0, ...options });
}

describe("plain and streamed answers", () => {
  it("a plain answer is recorded with its usage, and the request carries the thread", async () => {
    const { server, home } = await setup([ANSWER]);
    const session = await home.start();
    const result = await session.runTurn({ userText: "weather in Paris?", model: model(server, { stream: false }) });
    expect(result.lastAgentMessage).toBe("Paris is sunny today, 21 degrees.");
    const body = server.requests[0]!.body;
    expect(body).toMatchObject({ model: "test-model", instructions: "be brief", stream: false, store: false, tool_choice: "auto", parallel_tool_calls: true });
    expect(body["input"]).toEqual([{ type: "message", role: "user", content: [{ type: "input_text", text: "weather in Paris?" }] }]);
    expect(body["tools"]).toEqual([{ type: "function", name: "lookup", description: LOOKUP_TOOL.description, parameters: LOOKUP_TOOL.inputSchema, strict: false }]);
    const lines = await home.lines(session);
    expect(shapes(lines)).toEqual([
      "event_msg:task_started",
      "turn_context",
      "response_item:message",
      "event_msg:user_message",
      "event_msg:agent_message",
      "response_item:message",
      "token_usage_record:undefined",
      "event_msg:token_count",
      "event_msg:task_complete",
    ]);
    // The answer is recorded as the server sent it; usage per turn, in Codex's token_count form.
    expect(lines.find((l) => l.payload["role"] === "assistant")!.payload).toEqual(message("msg_1", "Paris is sunny today, 21 degrees."));
    const last = { input_tokens: 120, cached_input_tokens: 20, output_tokens: 30, reasoning_output_tokens: 5, total_tokens: 150 };
    expect(lines.find((l) => l.payload["type"] === "token_count")!.payload["info"]).toEqual({ total_token_usage: last, last_token_usage: last, model_context_window: null });
    expect(result.totalTokenUsage).toEqual(last);
  });

  it("a streamed answer reports its deltas and records exactly what the plain answer records", async () => {
    const plain = await setup([CALL, AFTER_TOOL]);
    const streamed = await setup([CALL, AFTER_TOOL]);
    const toolHandlers = { lookup: async () => "42" };
    const events: TurnEvent[] = [];
    const a = await plain.home.start(toolHandlers);
    const b = await streamed.home.start(toolHandlers);
    await a.runTurn({ userText: "[[lookup]] alpha", turnId: "turn-1", model: model(plain.server, { stream: false }) });
    await b.runTurn({ userText: "[[lookup]] alpha", turnId: "turn-1", model: model(streamed.server), onEvent: (e) => events.push(e) });
    expect(streamed.server.requests.map((r) => r.body["stream"])).toEqual([true, true]);
    const deltas = events.filter((e) => e.type === "output_text_delta");
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((e) => (e.type === "output_text_delta" ? e.delta : "")).join("")).toBe("The value is 42.");
    expect(deltas.every((e) => e.modelCall === 2)).toBe(true);
    expect(events.map((e) => e.type)).toContain("tool_call_started");
    expect(comparable(await streamed.home.lines(b))).toEqual(comparable(await plain.home.lines(a)));
  });

  it("streamTurn iterates the same events and resolves the turn", async () => {
    const { server, home } = await setup([ANSWER]);
    const session = await home.start();
    const turn = session.streamTurn({ userText: "hi", model: model(server) });
    let text = "";
    for await (const event of turn) if (event.type === "output_text_delta") text += event.delta;
    expect(text).toBe((await turn.result).lastAgentMessage);
  });
});

describe("the tool loop", () => {
  it("sends a call to its handler and the output back until the model answers", async () => {
    const { server, home } = await setup([CALL, AFTER_TOOL]);
    const seen: unknown[] = [];
    const session = await home.start({ lookup: async (args, context) => (seen.push({ args, callId: context.callId }), "value: 42") });
    const result = await session.runTurn({ userText: "look alpha up", model: model(server) });
    expect(seen).toEqual([{ args: { key: "alpha" }, callId: "call_1" }]);
    expect(result).toMatchObject({ modelCalls: 2, lastAgentMessage: "The value is 42." });
    expect((server.requests[1]!.body["input"] as unknown[]).slice(-2)).toEqual([functionCall(1, "lookup", { key: "alpha" }), { type: "function_call_output", call_id: "call_1", output: "value: 42" }]);
    expect(shapes(await home.lines(session)).slice(4)).toEqual([
      "response_item:function_call",
      "token_usage_record:undefined",
      "response_item:function_call_output",
      "event_msg:token_count",
      "event_msg:agent_message",
      "response_item:message",
      "token_usage_record:undefined",
      "event_msg:token_count",
      "event_msg:task_complete",
    ]);
  });

  it("a handler that throws becomes a tool error the model sees", async () => {
    const { server, home } = await setup([CALL, AFTER_TOOL]);
    const session = await home.start({ lookup: async () => Promise.reject(new Error("key alpha is locked")) });
    await session.runTurn({ userText: "look alpha up", model: model(server) });
    expect((server.requests[1]!.body["input"] as unknown[]).at(-1)).toEqual({ type: "function_call_output", call_id: "call_1", output: "tool lookup failed: key alpha is locked" });
  });

  it("stops at the cap on rounds", async () => {
    const { server, home } = await setup([CALL]);
    const session = await home.start({ lookup: async () => "again" });
    await expect(session.runTurn({ userText: "loop", model: model(server), maxModelCalls: 3 })).rejects.toBeInstanceOf(TurnLimitExceededError);
    expect(server.requests).toHaveLength(3);
    expect(shapes(await home.lines(session)).at(-1)).toBe("event_msg:turn_aborted");
  });
});

describe("errors", () => {
  it("a server error is retried, then the turn is recorded as failed (as Codex does) with nothing of an answer", async () => {
    const { server, home } = await setup([{ kind: "status", status: 500, message: "overloaded" }]);
    const session = await home.start();
    const error = await session.runTurn({ userText: "x", model: model(server, { maxRetries: 1 }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    const cause = (error as ModelCallError).cause;
    expect(cause).toBeInstanceOf(ModelResponseError);
    expect(cause).toMatchObject({ status: 500, message: "model response failed: HTTP 500: overloaded" });
    expect(server.requests).toHaveLength(2);
    const lines = await home.lines(session);
    expect(shapes(lines)).toEqual(["event_msg:task_started", "turn_context", "response_item:message", "event_msg:user_message", "event_msg:task_complete"]);
    expect(lines.at(-1)!.payload).toMatchObject({ last_agent_message: null, error: { message: "model response failed: HTTP 500: overloaded", codex_error_info: "internal_server_error" } });
  });

  it("a client error is not retried", async () => {
    const { server, home } = await setup([{ kind: "status", status: 400, message: "bad tool schema" }]);
    const session = await home.start();
    await expect(session.runTurn({ userText: "x", model: model(server, { maxRetries: 2 }) })).rejects.toThrow("model call failed in turn");
    expect(server.requests).toHaveLength(1);
  });

  it("a response.failed event fails the call with the server's message", async () => {
    const failed = { type: "response.failed", response: { id: "resp_x", status: "failed", error: { code: "server_error", message: "the model crashed" } } };
    const { server, home } = await setup([{ kind: "events", events: [failed] }]);
    const session = await home.start();
    await expect(session.runTurn({ userText: "x", model: model(server) })).rejects.toThrow("model response failed: response resp_x failed: the model crashed (server_error)");
  });

  it("a stream that ends before response.completed fails, and its finished items are not recorded", async () => {
    const events = [{ type: "response.output_item.done", output_index: 0, item: message("msg_9", "half an answer") }];
    const { server, home } = await setup([{ kind: "events", events }]);
    const session = await home.start();
    await expect(session.runTurn({ userText: "x", model: model(server) })).rejects.toThrow("stream closed before response.completed");
    expect(JSON.stringify(await home.lines(session))).not.toContain("half an answer");
  });

  it("a stream that goes idle fails after streamIdleTimeoutMs and is hung up", async () => {
    const { server, home } = await setup([{ kind: "hang", events: [{ type: "response.created", response: { id: "r", status: "in_progress" } }] }]);
    const session = await home.start();
    await expect(session.runTurn({ userText: "x", model: model(server, { streamIdleTimeoutMs: 200 }) })).rejects.toThrow("model response failed: stream idle for 200 ms");
    await server.hungUp();
  });
});

describe("a slow stream cancelled", () => {
  it("is cut off at the abort; the turn is recorded as Codex records an interrupt, with nothing half-written", async () => {
    const partial = [
      { type: "response.created", response: { id: "resp_slow", status: "in_progress" } },
      { type: "response.output_item.added", output_index: 0, item: { type: "message", id: "msg_slow", role: "assistant", status: "in_progress", content: [] } },
      { type: "response.output_text.delta", item_id: "msg_slow", output_index: 0, content_index: 0, delta: "Once upon a time" },
    ];
    const { server, home } = await setup([{ kind: "hang", events: partial }]);
    const session = await home.start();
    const controller = new AbortController();
    const onEvent = (event: TurnEvent) => {
      if (event.type === "output_text_delta") controller.abort(new Error("stop"));
    };
    const error = await session.runTurn({ userText: "a long story please", model: model(server), signal: controller.signal, onEvent }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TurnInterruptedError);
    await server.hungUp();
    const lines = await home.lines(session);
    expect(shapes(lines)).toEqual(["event_msg:task_started", "turn_context", "response_item:message", "event_msg:user_message", "response_item:message", "event_msg:turn_aborted"]);
    expect(lines.at(-2)!.payload).toEqual({ type: "message", role: "user", content: [{ type: "input_text", text: TURN_ABORTED_MARKER }] });
    expect(JSON.stringify(lines)).not.toContain("Once upon a time");
  });
});

describe("usage across turns", () => {
  it("token_count totals add up turn after turn", async () => {
    const { server, home } = await setup([ANSWER]);
    const session = await home.start();
    await session.runTurn({ userText: "one", model: model(server) });
    const second = await session.runTurn({ userText: "two", model: model(server) });
    expect(second.totalTokenUsage!.total_tokens).toBe(2 * USAGE.total_tokens);
    expect(second.turnTokenUsage!.total_tokens).toBe(USAGE.total_tokens);
  });

  it("a turn's own usage sums its model calls", async () => {
    const { server, home } = await setup([CALL, AFTER_TOOL]);
    const session = await home.start({ lookup: async () => "42" });
    const turn = await session.runTurn({ userText: "look", model: model(server) });
    expect(turn.turnTokenUsage).toEqual({ input_tokens: 240, cached_input_tokens: 40, output_tokens: 60, reasoning_output_tokens: 10, total_tokens: 300 });
  });
});

describe("reasoning", () => {
  it("streams reasoning summaries, records the reasoning item and sends it back with the next request", async () => {
    const reasoning = { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Thinking about alpha." }], encrypted_content: "gAAAA-opaque" };
    const events = [
      { type: "response.created", response: { id: "resp_r", status: "in_progress" } },
      { type: "response.output_item.added", output_index: 0, item: { type: "reasoning", id: "rs_1", summary: [] } },
      { type: "response.reasoning_summary_text.delta", item_id: "rs_1", output_index: 0, summary_index: 0, delta: "Thinking about alpha." },
      { type: "response.output_item.done", output_index: 0, item: reasoning },
      { type: "response.output_item.done", output_index: 1, item: message("msg_r", "Alpha it is.") },
      { type: "response.completed", response: { id: "resp_r", status: "completed", output: [], usage: USAGE } },
    ];
    const { server, home } = await setup([{ kind: "events", events }, ANSWER]);
    const session = await home.start();
    const seen: TurnEvent[] = [];
    await session.runTurn({ userText: "think", model: model(server, { reasoning: { effort: "high", summary: "auto" } }), onEvent: (e) => seen.push(e) });
    expect(seen.filter((e) => e.type === "reasoning_delta").map((e) => (e.type === "reasoning_delta" ? e.delta : ""))).toEqual(["Thinking about alpha."]);
    expect((await home.lines(session)).filter((l) => l.payload["type"] === "reasoning").map((l) => l.payload)).toEqual([reasoning]);
    await session.runTurn({ userText: "again", model: model(server) });
    expect((server.requests[1]!.body["input"] as unknown[]).slice(1, 3)).toEqual([reasoning, message("msg_r", "Alpha it is.")]);
  });
});

describe("an unstreamed call cancelled", () => {
  it("is hung up and recorded as interrupted", async () => {
    const { server, home } = await setup([{ kind: "hang", events: [] }]);
    const session = await home.start();
    const controller = new AbortController();
    const running = session.runTurn({ userText: "slow", model: model(server, { stream: false }), signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(TurnInterruptedError);
    await server.hungUp();
    expect(shapes(await home.lines(session)).slice(-2)).toEqual(["response_item:message", "event_msg:turn_aborted"]);
  });
});
