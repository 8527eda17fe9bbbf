import { type ResponseItem, type ThreadId, newThreadId } from "@skein/protocol";
import { InMemoryThreadStore, InternalError } from "@skein/thread-store";
import { describe, expect, it } from "vitest";
import { LiveThread, type ModelClient, ModelCallError, normalizeDynamicTools, ScriptedModel, ThreadManager, TurnLimitExceededError } from "../src/index.js";
import { LOOKUP_TOOL, legacyTurn } from "./fixtures/items.js";
import { LEGACY_TOOL_TURN, PAGINATED_TOOL_TURN, lineShape } from "./fixtures/turn-shapes.js";
import { recordingStore } from "./fixtures/recording-store.js";

function manager(store = new InMemoryThreadStore()) {
  return new ThreadManager({ store, defaults: { modelProvider: "openai", cwd: "/work" } });
}

function lastEvent(session: { history: readonly { type: string; payload: unknown }[] }) {
  return session.history.at(-1)!.payload as Record<string, unknown>;
}

describe("ThreadSession.runTurn", () => {
  it("returns the last agent message and the thread's token totals", async () => {
    const session = await manager().startThread();
    const first = await session.runTurn({ userText: "one", model: new ScriptedModel() });
    const second = await session.runTurn({ userText: "two", model: new ScriptedModel() });
    expect(first.lastAgentMessage).toBe("hi from scripted model #1 (you said: one)");
    expect(second.totalTokenUsage!.total_tokens).toBeGreaterThan(first.totalTokenUsage!.total_tokens);
    expect(lastEvent(session)).toEqual({ type: "task_complete", turn_id: second.turnId, last_agent_message: second.lastAgentMessage });
  });

  it("answers a call of a tool without a handler with an error output", async () => {
    const session = await manager().startThread({ dynamicTools: [LOOKUP_TOOL] });
    await session.runTurn({ userText: "[[tool:lookup]]", model: new ScriptedModel() });
    const output = session.history.find((i) => (i.payload as { type?: string }).type === "function_call_output");
    expect(output!.payload).toMatchObject({ output: "unsupported call: lookup" });
  });

  it("passes a failing handler's message to the model", async () => {
    const session = await manager().startThread({ dynamicTools: [LOOKUP_TOOL], toolHandlers: { lookup: async () => Promise.reject(new Error("no such key")) } });
    await session.runTurn({ userText: "[[tool:lookup]]", model: new ScriptedModel() });
    const output = session.history.find((i) => (i.payload as { type?: string }).type === "function_call_output");
    expect(output!.payload).toMatchObject({ output: "tool lookup failed: no such key" });
  });

  it("records a failed turn, as Codex does, and throws when the model fails", async () => {
    const session = await manager().startThread();
    const failing: ModelClient = { respond: () => Promise.reject(Object.assign(new Error("503 overloaded"), { status: 503 })) };
    const error = await session.runTurn({ userText: "x", model: failing, turnId: "turn-x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as Error).message).toBe("model call failed in turn turn-x: 503 overloaded");
    // Codex 0.169's failed turn: task_complete with the error (its thread/read shows "failed").
    expect(lastEvent(session)).toEqual({
      type: "task_complete",
      turn_id: "turn-x",
      last_agent_message: null,
      error: { message: "503 overloaded", codex_error_info: "internal_server_error" },
    });
  });

  it("names the failure kind Codex would, from the error's HTTP status", async () => {
    const infos: unknown[] = [];
    for (const status of [401, 400, 429, undefined]) {
      const session = await manager().startThread();
      const failing: ModelClient = { respond: () => Promise.reject(Object.assign(new Error("no"), { status })) };
      await session.runTurn({ userText: "x", model: failing }).catch(() => undefined);
      infos.push((lastEvent(session)["error"] as { codex_error_info: unknown }).codex_error_info);
    }
    expect(infos).toEqual(["unauthorized", "bad_request", "other", "other"]);
  });

  it("stops a turn that keeps calling tools", async () => {
    const session = await manager().startThread({ dynamicTools: [LOOKUP_TOOL] });
    const looping: ModelClient = { respond: async () => ({ output: [{ type: "function_call", name: "lookup", arguments: "{}", call_id: "c" }] }) };
    await expect(session.runTurn({ userText: "x", model: looping, turnId: "t", maxModelCalls: 3 })).rejects.toThrow(new TurnLimitExceededError("t", 3));
  });

  it("completes a turn whose metadata update failed and reports it", async () => {
    const rec = recordingStore(new InMemoryThreadStore());
    const session = await manager(rec.store as InMemoryThreadStore).startThread();
    rec.failNext("updateThreadMetadata", new InternalError("index down"));
    const result = await session.runTurn({ userText: "hello", model: new ScriptedModel() });
    expect(result.metadataError?.code).toBe("metadata_update_failed");
    expect(lastEvent(session)).toMatchObject({ type: "task_complete" });
    // The failed patch was retried with the turn's next append.
    expect((await rec.store.readThread({ threadId: session.threadId })).preview).toBe("hello");
  });
});

/** A model that answers each request with the next scripted output, with fixed usage. */
function replies(...outputs: ResponseItem[][]): ModelClient {
  let n = 0;
  return { respond: async () => ({ output: outputs[n++] ?? [], usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 } }) };
}

/** A thread stored with `history_mode` and the lookup tool, holding one earlier turn, resumed through a manager. */
async function resumedThread(historyMode: "legacy" | "paginated", store = new InMemoryThreadStore()) {
  const threadId = newThreadId() as ThreadId;
  const dynamicTools = normalizeDynamicTools([LOOKUP_TOOL]);
  const live = await LiveThread.create(store, { threadId, source: "cli", historyMode, dynamicTools, metadata: { modelProvider: "openai", cwd: "/work" } });
  await live.appendItems(legacyTurn("turn-0", "earlier question", "earlier answer"));
  await live.shutdown();
  const m = manager(store);
  return { store, session: await m.resumeThread({ threadId, toolHandlers: { lookup: async () => "42" } }) };
}

const TOOL_CALL: ResponseItem = { type: "function_call", name: "lookup", arguments: '{"key":"alpha"}', call_id: "call_7" };
const ANSWER: ResponseItem = { type: "message", role: "assistant", content: [{ type: "output_text", text: "the answer is 42" }] };

describe("ThreadSession.runTurn on a paginated thread", () => {
  it("takes the history mode from the resumed thread's session_meta", async () => {
    expect((await resumedThread("paginated")).session.historyMode).toBe("paginated");
    expect((await resumedThread("legacy")).session.historyMode).toBe("legacy");
  });

  it("starts new threads in the legacy form", async () => {
    expect((await manager().startThread()).historyMode).toBe("legacy");
  });

  it("records a tool turn in Codex 0.169's paginated order", async () => {
    const { session } = await resumedThread("paginated");
    const before = session.history.length;
    await session.runTurn({ userText: "look it up", model: replies([TOOL_CALL], [ANSWER]) });
    expect(session.history.slice(before).map(lineShape)).toEqual(PAGINATED_TOOL_TURN);
  });

  it("records a legacy thread's turn in the legacy form", async () => {
    const { session } = await resumedThread("legacy");
    const before = session.history.length;
    await session.runTurn({ userText: "look it up", model: replies([TOOL_CALL], [ANSWER]) });
    expect(session.history.slice(before).map(lineShape)).toEqual(LEGACY_TOOL_TURN);
  });

  it("tags every item of the turn with the thread and the turn", async () => {
    const { session } = await resumedThread("paginated");
    const turn = await session.runTurn({ userText: "look it up", model: replies([TOOL_CALL], [ANSWER]), turnId: "turn-p" });
    const items = session.history.filter((i) => (i.payload as { type?: string }).type === "item_completed").map((i) => i.payload as { thread_id: string; turn_id: string });
    expect(items.map((p) => [p.thread_id, p.turn_id])).toEqual([[session.threadId, turn.turnId], [session.threadId, turn.turnId], [session.threadId, turn.turnId]]);
  });

  it("records no DynamicToolCall item for a call of a tool the thread does not define", async () => {
    const { session } = await resumedThread("paginated");
    const before = session.history.length;
    await session.runTurn({ userText: "x", model: replies([{ ...TOOL_CALL, name: "shell" }], [ANSWER]) });
    const shapes = session.history.slice(before).map(lineShape);
    expect(shapes.filter((s) => s.startsWith("item_completed"))).toEqual(["item_completed.UserMessage", "item_completed.AgentMessage"]);
    expect(shapes).toContain("function_call_output");
  });

  it("records the handler's answer in the DynamicToolCall item", async () => {
    const { session } = await resumedThread("paginated");
    await session.runTurn({ userText: "look it up", model: replies([TOOL_CALL], [ANSWER]) });
    const call = session.history.find((i) => (i.payload as { item?: { type?: string } }).item?.type === "DynamicToolCall");
    expect((call!.payload as { item: unknown }).item).toMatchObject({ id: "call_7", tool: "lookup", arguments: { key: "alpha" }, status: "completed", content_items: [{ type: "inputText", text: "42" }], success: true });
  });

  it("completes with the last agent message", async () => {
    const { session } = await resumedThread("paginated");
    const turn = await session.runTurn({ userText: "hi", model: replies([ANSWER]) });
    expect(lastEvent(session)).toMatchObject({ type: "task_complete", turn_id: turn.turnId, root_turn_id: turn.turnId, last_agent_message: "the answer is 42" });
  });

  it("sends the model the paginated turn's user input and answer, not its events", async () => {
    const { session } = await resumedThread("paginated");
    await session.runTurn({ userText: "hi", model: replies([ANSWER]) });
    expect(session.nextModelRequest().input.map((i) => `${i.type}.${(i as { role?: string }).role}`)).toEqual([
      "message.user",
      "message.assistant",
      "message.user",
      "message.assistant",
    ]);
  });

  it("derives the thread's metadata from the item_completed user message", async () => {
    const store = new InMemoryThreadStore();
    const threadId = newThreadId() as ThreadId;
    const live = await LiveThread.create(store, { threadId, source: "cli", historyMode: "paginated", dynamicTools: [], metadata: { modelProvider: "openai", cwd: "/work" } });
    await live.appendItems([{ type: "event_msg", payload: { type: "thread_settings_applied", thread_id: threadId, thread_settings: {} } }]);
    await live.shutdown();
    const session = await manager(store).resumeThread({ threadId });
    await session.runTurn({ userText: "first words", model: replies([ANSWER]) });
    await session.shutdown();
    const thread = await store.readThread({ threadId });
    expect({ preview: thread.preview, firstUserMessage: thread.firstUserMessage }).toEqual({ preview: "first words", firstUserMessage: "first words" });
  });
});
