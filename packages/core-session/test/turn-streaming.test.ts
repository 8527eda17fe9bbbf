import type { RolloutItem } from "@skein/protocol";
import { InMemoryThreadStore } from "@skein/thread-store";
import { describe, expect, it } from "vitest";
import {
  CANCELLED_TOOL_OUTPUT,
  LiveThread,
  type ModelClient,
  type ModelResponse,
  ScriptedModel,
  TURN_ABORTED_MARKER,
  ThreadManager,
  type TurnEvent,
  TurnInterruptedError,
  normalizeDynamicTools,
} from "../src/index.js";
import { manualClock } from "./fixtures/clock.js";
import { type ThreadId, newThreadId } from "@skein/protocol";
import { LOOKUP_TOOL } from "./fixtures/items.js";

function manager(store = new InMemoryThreadStore()) {
  const clock = manualClock();
  return new ThreadManager({ store, now: clock.now, defaults: { modelProvider: "openai", cwd: "/work" } });
}

/** The turn's records without the thread's own session_meta (ids and times differ per thread). */
function turnRecords(history: readonly Pick<RolloutItem, "type" | "payload">[]): unknown[] {
  // Times, and the thread's own id (token_usage_record names it), differ between two threads.
  const volatile = /_at$|^duration_ms$|^thread_id$|^session_id$/;
  return history.filter((item) => item.type !== "session_meta").map((item) => JSON.parse(JSON.stringify(item, (key, value) => (volatile.test(key) ? 0 : value))));
}

function payloadTypes(history: readonly Pick<RolloutItem, "type" | "payload">[]): string[] {
  return history.filter((i) => i.type !== "session_meta").map((i) => `${i.type}:${String((i.payload as { type?: unknown }).type)}`);
}

/** A model whose answer never comes unless the call is aborted. */
const hangingModel: ModelClient = {
  respond: (_request, options) =>
    new Promise<ModelResponse>((_resolve, reject) => options?.signal?.addEventListener("abort", () => reject(options.signal?.reason), { once: true })),
};

describe("streamed turns", () => {
  it("record exactly what a plain turn records, tool round trip included", async () => {
    const toolHandlers = { lookup: async () => "42" };
    const plain = await manager().startThread({ dynamicTools: [LOOKUP_TOOL], toolHandlers });
    const streamed = await manager().startThread({ dynamicTools: [LOOKUP_TOOL], toolHandlers });
    const events: TurnEvent[] = [];
    for (const [userText, turnId] of [["hello there", "t1"], ["[[tool:lookup]] find it", "t2"]] as const) {
      await plain.runTurn({ userText, turnId, model: new ScriptedModel() });
      await streamed.runTurn({ userText, turnId, model: new ScriptedModel(), onEvent: (e) => events.push(e) });
    }
    expect(events.some((e) => e.type === "output_text_delta")).toBe(true);
    expect(turnRecords(streamed.history)).toEqual(turnRecords(plain.history));
    // Delta events are display only: none reaches the history.
    expect(JSON.stringify(streamed.history)).not.toContain("delta");
  });

  it("streamTurn yields text deltas, items and the tool call, then resolves the result", async () => {
    const session = await manager().startThread({ dynamicTools: [LOOKUP_TOOL], toolHandlers: { lookup: async () => "forty-two" } });
    const turn = session.streamTurn({ userText: "[[tool:lookup]] go", model: new ScriptedModel() });
    const seen: string[] = [];
    let text = "";
    for await (const event of turn) {
      seen.push(event.type);
      if (event.type === "output_text_delta") text += event.delta;
    }
    const result = await turn.result;
    expect(seen).toContain("tool_call_started");
    expect(seen.indexOf("tool_call_finished")).toBeGreaterThan(seen.indexOf("tool_call_started"));
    expect(text).toBe(result.lastAgentMessage);
    expect(result.modelCalls).toBe(2);
  });

  it("streamTurn's iteration throws the turn's error", async () => {
    const session = await manager().startThread();
    const failing: ModelClient = { respond: () => Promise.reject(new Error("boom")) };
    const turn = session.streamTurn({ userText: "x", model: failing });
    await expect((async () => { for await (const _ of turn) void _; })()).rejects.toThrow("model call failed");
    await expect(turn.result).rejects.toThrow("boom");
  });
});

describe("interrupted turns", () => {
  it("an abort during the model call records Codex's interrupt and nothing of the answer", async () => {
    const session = await manager().startThread();
    const controller = new AbortController();
    const running = session.runTurn({ userText: "tell a long story", turnId: "t-int", model: hangingModel, signal: controller.signal });
    setImmediate(() => controller.abort(new Error("user pressed stop")));
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TurnInterruptedError);
    expect((error as TurnInterruptedError).message).toBe("turn t-int was interrupted");
    expect(payloadTypes(session.history)).toEqual([
      "event_msg:task_started",
      "turn_context:undefined",
      "response_item:message",
      "event_msg:user_message",
      "response_item:message",
      "event_msg:turn_aborted",
    ]);
    expect(session.history.at(-2)!.payload).toEqual({ type: "message", role: "user", content: [{ type: "input_text", text: TURN_ABORTED_MARKER }] });
    expect(session.history.at(-1)!.payload).toMatchObject({ type: "turn_aborted", turn_id: "t-int", root_turn_id: "t-int", reason: "interrupted" });
    // The next request shows the model the marker after the interrupted prompt.
    expect(session.nextModelRequest().input.map((i) => (i["content"] as Array<{ text: string }>)[0]!.text)).toEqual(["tell a long story", TURN_ABORTED_MARKER]);
  });

  it("a client that ignores the signal is cut off all the same", async () => {
    const session = await manager().startThread();
    const deaf: ModelClient = { respond: () => new Promise<ModelResponse>(() => undefined) };
    const controller = new AbortController();
    const running = session.runTurn({ userText: "x", model: deaf, signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(running).rejects.toBeInstanceOf(TurnInterruptedError);
    expect(session.history.at(-1)!.payload).toMatchObject({ type: "turn_aborted", reason: "interrupted" });
  });

  it("an abort while a tool runs gives the call Codex's abort output, then the interrupt records", async () => {
    const controller = new AbortController();
    let handlerSignal: AbortSignal | undefined;
    const lookup = (_args: unknown, context: { signal: AbortSignal }) => {
      handlerSignal = context.signal;
      setImmediate(() => controller.abort());
      return new Promise<string>(() => undefined); // a tool that never finishes
    };
    const session = await manager().startThread({ dynamicTools: [LOOKUP_TOOL], toolHandlers: { lookup } });
    await expect(session.runTurn({ userText: "[[tool:lookup]]", model: new ScriptedModel(), signal: controller.signal })).rejects.toBeInstanceOf(TurnInterruptedError);
    expect(handlerSignal?.aborted).toBe(true);
    expect(payloadTypes(session.history).slice(4)).toEqual([
      "response_item:function_call",
      "token_usage_record:undefined",
      "response_item:function_call_output",
      "event_msg:token_count",
      "response_item:message",
      "event_msg:turn_aborted",
    ]);
    expect(session.history.find((i) => (i.payload as { type?: string }).type === "function_call_output")!.payload).toMatchObject({
      output: CANCELLED_TOOL_OUTPUT,
    });
    // The history stays a valid conversation: every call has its output.
    expect(session.nextModelRequest().input.filter((i) => i.type === "function_call_output")).toHaveLength(1);
  });

  it("a turn whose signal is already aborted writes nothing", async () => {
    const store = new InMemoryThreadStore();
    const session = await manager(store).startThread();
    await expect(session.runTurn({ userText: "x", model: new ScriptedModel(), signal: AbortSignal.abort() })).rejects.toBeInstanceOf(TurnInterruptedError);
    expect(session.history).toEqual([]);
  });

  it("a session runs the next turn normally after an interrupt", async () => {
    const session = await manager().startThread();
    const controller = new AbortController();
    const running = session.runTurn({ userText: "first", model: hangingModel, signal: controller.signal });
    setImmediate(() => controller.abort());
    await running.catch(() => undefined);
    const next = await session.runTurn({ userText: "second", model: new ScriptedModel() });
    expect(next.lastAgentMessage).toBe("hi from scripted model #1 (you said: second)");
    expect(session.history.at(-1)!.payload).toMatchObject({ type: "task_complete", turn_id: next.turnId });
  });

  it("in a paginated thread a cut-short dynamic tool call also gets Codex's failed DynamicToolCall item", async () => {
    const store = new InMemoryThreadStore();
    const threadId = newThreadId() as ThreadId;
    const live = await LiveThread.create(store, { threadId, source: "cli", historyMode: "paginated", dynamicTools: normalizeDynamicTools([LOOKUP_TOOL]), metadata: { modelProvider: "openai", cwd: "/work" } });
    await live.appendItems([{ type: "event_msg", payload: { type: "thread_settings_applied", thread_id: threadId, thread_settings: {} } }]);
    await live.shutdown();
    const controller = new AbortController();
    const lookup = () => (setImmediate(() => controller.abort()), new Promise<string>(() => undefined));
    const session = await manager(store).resumeThread({ threadId, toolHandlers: { lookup } });
    await expect(session.runTurn({ userText: "[[tool:lookup]]", turnId: "t-p", model: new ScriptedModel(), signal: controller.signal })).rejects.toBeInstanceOf(TurnInterruptedError);
    const item = session.history.map((i) => i.payload as Record<string, unknown>).find((p) => p["type"] === "item_completed" && (p["item"] as { type: string }).type === "DynamicToolCall");
    expect(item).toMatchObject({
      thread_id: threadId,
      turn_id: "t-p",
      item: { type: "DynamicToolCall", id: "call_scripted_1", tool: "lookup", arguments: { key: "alpha" }, status: "failed", content_items: [], success: false, error: CANCELLED_TOOL_OUTPUT },
    });
    expect(payloadTypes(session.history).slice(-5)).toEqual([
      "event_msg:item_completed",
      "response_item:function_call_output",
      "event_msg:token_count",
      "response_item:message",
      "event_msg:turn_aborted",
    ]);
  });
});
