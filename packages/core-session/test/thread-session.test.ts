import { InMemoryThreadStore, InternalError } from "@skein/thread-store";
import { describe, expect, it } from "vitest";
import { type ModelClient, ModelCallError, ScriptedModel, ThreadManager, TurnLimitExceededError } from "../src/index.js";
import { LOOKUP_TOOL } from "./fixtures/items.js";
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

  it("records an aborted turn and throws when the model fails", async () => {
    const session = await manager().startThread();
    const failing: ModelClient = { respond: () => Promise.reject(new Error("503")) };
    const error = await session.runTurn({ userText: "x", model: failing, turnId: "turn-x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as Error).message).toBe("model call failed in turn turn-x: 503");
    expect(lastEvent(session)).toEqual({ type: "turn_aborted", turn_id: "turn-x", reason: "interrupted" });
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
