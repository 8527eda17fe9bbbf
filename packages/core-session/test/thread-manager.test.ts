import { InternalError, ThreadNotFoundError, UnsupportedOperationError, type ThreadStore } from "@skein/thread-store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DYNAMIC_TOOLS_REVISION_KEY,
  InvalidSessionRequestError,
  ScriptedModel,
  SessionFatalError,
  ThreadManager,
  UnsupportedMetadataUpdateError,
} from "../src/index.js";
import { CLOCK_TOOL, LOOKUP_TOOL } from "./fixtures/items.js";
import { recordingStore } from "./fixtures/recording-store.js";
import { STORE_HARNESSES, type StoreHarness } from "./fixtures/stores.js";

const DEFAULTS = { modelProvider: "openai", cwd: "/work", model: "gpt-test", baseInstructions: "be brief" };

for (const makeHarness of STORE_HARNESSES) {
  describe(`ThreadManager over ${makeHarness().name}`, () => {
    let harness: StoreHarness;
    let store: ThreadStore;
    let manager: ThreadManager;

    beforeEach(async () => {
      harness = makeHarness();
      store = await harness.open();
      manager = new ThreadManager({ store, defaults: DEFAULTS });
    });
    afterEach(async () => {
      await manager.shutdownAll();
      await harness.cleanup();
    });

    async function restart(): Promise<ThreadManager> {
      await manager.shutdownAll();
      store = await harness.reopen(store);
      manager = new ThreadManager({ store, defaults: DEFAULTS });
      return manager;
    }

    async function startWithTurn(text = "[[tool:lookup]] find alpha") {
      const session = await manager.startThread({ dynamicTools: [LOOKUP_TOOL], toolHandlers: { lookup: async () => "42" } });
      await session.runTurn({ userText: text, model: new ScriptedModel() });
      return session;
    }

    describe("startThread and runTurn", () => {
      it("records a Codex-compatible legacy tool turn", async () => {
        const session = await startWithTurn();
        await session.shutdown();
        const { items } = await store.loadHistory({ threadId: session.threadId });
        const kinds = items.map((l) => (l.type === "event_msg" || l.type === "response_item" ? `${l.type}/${(l.payload as { type: string }).type}` : l.type));
        expect(kinds).toEqual([
          "session_meta",
          "event_msg/task_started",
          "turn_context",
          "response_item/message",
          "event_msg/user_message",
          "response_item/function_call",
          "token_usage_record",
          "response_item/function_call_output",
          "event_msg/token_count",
          "event_msg/agent_message",
          "response_item/message",
          "token_usage_record",
          "event_msg/token_count",
          "event_msg/task_complete",
        ]);
        expect(items[0]!.payload).toMatchObject({ id: session.threadId, dynamic_tools: [{ type: "function", name: "lookup", inputSchema: LOOKUP_TOOL.inputSchema }] });
        expect(items[7]!.payload).toMatchObject({ type: "function_call_output", call_id: "call_scripted_1", output: "42" });
        expect(items[6]!.payload).toMatchObject({ thread_id: session.threadId, session_id: session.threadId, usage: { total_tokens: expect.any(Number) } });
      });

      it("derives the index metadata from the turn", async () => {
        const session = await startWithTurn("hello there");
        await session.shutdown();
        const thread = await store.readThread({ threadId: session.threadId });
        expect(thread).toMatchObject({ preview: "hello there", firstUserMessage: "hello there", model: "gpt-test", modelProvider: "openai", cwd: "/work" });
      });

      it("writes nothing for a started thread that never ran a turn", async () => {
        const session = await manager.startThread();
        await session.shutdown();
        await expect(store.readThread({ threadId: session.threadId })).rejects.toThrow(new ThreadNotFoundError(session.threadId));
      });

      it("rejects duplicate tools before opening a writer", async () => {
        await expect(manager.startThread({ dynamicTools: [LOOKUP_TOOL, LOOKUP_TOOL] })).rejects.toThrow(new InvalidSessionRequestError("duplicate dynamic tool lookup"));
        expect(manager.loadedThreadIds()).toEqual([]);
      });
    });

    describe("resumeThread", () => {
      it("restores dynamic tools and history from the rollout after a restart", async () => {
        const { threadId } = await startWithTurn();
        await restart();
        const session = await manager.resumeThread({ threadId });
        const request = session.nextModelRequest();
        expect(request.tools).toEqual([{ type: "function", name: "lookup", description: LOOKUP_TOOL.description, parameters: LOOKUP_TOOL.inputSchema }]);
        expect(request.instructions).toBe("be brief");
        expect(request.input.map((i) => i.type)).toEqual(["message", "function_call", "function_call_output", "message"]);
      });

      it("returns the loaded session for a loaded thread", async () => {
        const session = await startWithTurn();
        expect(await manager.resumeThread({ threadId: session.threadId })).toBe(session);
      });

      it("merges passed tools with the stored ones and records the merge for the next resume", async () => {
        const { threadId } = await startWithTurn();
        await restart();
        const changed = { ...LOOKUP_TOOL, description: "Look up v2" };
        const session = await manager.resumeThread({ threadId, dynamicTools: [CLOCK_TOOL, changed] });
        expect(session.dynamicTools.map((t) => [t.name, t.description])).toEqual([["lookup", "Look up v2"], ["clock", "Current time"]]);
        await session.runTurn({ userText: "again", model: new ScriptedModel() });
        await restart();
        const again = await manager.resumeThread({ threadId });
        expect(again.nextModelRequest().tools.map((t) => [t.name, t.description])).toEqual([["lookup", "Look up v2"], ["clock", "Current time"]]);
        const { items } = await store.loadHistory({ threadId });
        const metas = items.filter((l) => l.type === "session_meta");
        expect(metas).toHaveLength(2);
        expect(metas[1]!.payload).toMatchObject({ id: threadId, [DYNAMIC_TOOLS_REVISION_KEY]: 1 });
      });

      it("records nothing when the passed tools change nothing", async () => {
        const { threadId } = await startWithTurn();
        await restart();
        const session = await manager.resumeThread({ threadId, dynamicTools: [LOOKUP_TOOL] });
        await session.runTurn({ userText: "again", model: new ScriptedModel() });
        const { items } = await store.loadHistory({ threadId });
        expect(items.filter((l) => l.type === "session_meta")).toHaveLength(1);
      });

      it("replaces the stored tools in replace mode", async () => {
        const { threadId } = await startWithTurn();
        await restart();
        const session = await manager.resumeThread({ threadId, dynamicTools: [CLOCK_TOOL], dynamicToolsMode: "replace" });
        expect(session.dynamicTools.map((t) => t.name)).toEqual(["clock"]);
      });
    });

    describe("forkThread", () => {
      it("inherits the source's tools and base instructions and copies its history", async () => {
        const source = await startWithTurn();
        await source.runTurn({ userText: "second turn", model: new ScriptedModel() });
        await restart();
        const fork = await manager.forkThread({ threadId: source.threadId });
        expect(fork.threadId).not.toBe(source.threadId);
        const request = fork.nextModelRequest();
        expect(request.tools.map((t) => t.name)).toEqual(["lookup"]);
        expect(request.instructions).toBe("be brief");
        expect(request.input.filter((i) => (i as { role?: string }).role === "user")).toHaveLength(2);
        await fork.shutdown();
        const thread = await store.readThread({ threadId: fork.threadId, includeHistory: true });
        expect(thread.forkedFromId).toBe(source.threadId);
        expect(thread.history![0]!.payload).toMatchObject({ id: fork.threadId, forked_from_id: source.threadId, dynamic_tools: [{ name: "lookup" }] });
        expect(thread.history![1]!.payload).toMatchObject({ id: source.threadId });
      });

      it("keeps only the turns before atTurn", async () => {
        const source = await startWithTurn("first");
        await source.runTurn({ userText: "second", model: new ScriptedModel() });
        const fork = await manager.forkThread({ threadId: source.threadId, atTurn: 1, name: "branch" });
        const users = fork.history.filter((i) => i.type === "event_msg" && (i.payload as { type: string }).type === "user_message");
        expect(users.map((i) => (i.payload as { message: string }).message)).toEqual(["first"]);
        expect((await store.readThread({ threadId: fork.threadId })).name).toBe("branch");
      });

      it("restores the fork's tools on a later resume", async () => {
        const source = await startWithTurn();
        const fork = await manager.forkThread({ threadId: source.threadId, dynamicTools: [CLOCK_TOOL] });
        const forkId = fork.threadId;
        await restart();
        const resumed = await manager.resumeThread({ threadId: forkId });
        expect(resumed.dynamicTools.map((t) => t.name)).toEqual(["lookup", "clock"]);
      });
    });

    describe("updateThreadMetadata", () => {
      it("routes a loaded thread's mutation through its LiveThread after pending metadata", async () => {
        const rec = recordingStore(store);
        manager = new ThreadManager({ store: rec.store, defaults: DEFAULTS });
        const session = await manager.startThread();
        await session.runTurn({ userText: "hello", model: new ScriptedModel() });
        rec.calls.length = 0;
        const thread = await manager.renameThread(session.threadId, "  named  ");
        expect(thread.name).toBe("named");
        const patches = rec.calls.filter((c) => c.method === "updateThreadMetadata").map((c) => (c.params as { patch: object }).patch);
        expect(patches.at(-1)).toEqual({ name: "named" });
        expect(rec.methods()).not.toContain("resumeThread");
      });

      it("sends a cold thread's mutation straight to the store without opening a writer", async () => {
        const session = await startWithTurn();
        await session.shutdown();
        const rec = recordingStore(store);
        manager = new ThreadManager({ store: rec.store, defaults: DEFAULTS });
        const thread = await manager.setMemoryMode(session.threadId, "disabled");
        expect(thread.memoryMode).toBe("disabled");
        expect(rec.methods()).toEqual(["updateThreadMetadata"]);
      });

      it("keeps the store's ThreadNotFoundError for an unknown cold thread", async () => {
        const id = "01900000-0000-7000-8000-000000000000";
        await expect(manager.renameThread(id, "x")).rejects.toThrow(new ThreadNotFoundError(id));
      });

      it("maps an unsupported store operation", async () => {
        const rec = recordingStore(store);
        rec.failNext("updateThreadMetadata", new UnsupportedOperationError("update_thread_metadata"));
        manager = new ThreadManager({ store: rec.store, defaults: DEFAULTS });
        const id = "01900000-0000-7000-8000-000000000000";
        await expect(manager.renameThread(id, "x")).rejects.toThrow(new UnsupportedMetadataUpdateError("update_thread_metadata"));
      });

      it("wraps an internal failure as fatal with the thread id", async () => {
        const rec = recordingStore(store);
        rec.failNext("updateThreadMetadata", new InternalError("disk on fire"));
        manager = new ThreadManager({ store: rec.store, defaults: DEFAULTS });
        const id = "01900000-0000-7000-8000-000000000000";
        const error = await manager.renameThread(id, "x").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SessionFatalError);
        expect((error as Error).message).toBe(`failed to update thread metadata ${id}: thread-store internal error: disk on fire`);
      });

      it("rejects an empty name", async () => {
        const session = await startWithTurn();
        await expect(manager.renameThread(session.threadId, "   ")).rejects.toThrow(new InvalidSessionRequestError("thread name must not be empty"));
      });
    });

    describe("archiveThread", () => {
      it("shuts a loaded thread down first, so its history lands before the move", async () => {
        const session = await startWithTurn();
        await manager.archiveThread(session.threadId);
        expect(manager.getLoadedThread(session.threadId)).toBeUndefined();
        const thread = await store.readThread({ threadId: session.threadId, includeArchived: true, includeHistory: true });
        expect(thread.archived).toBe(true);
        expect(thread.history!.at(-1)!.payload).toMatchObject({ type: "task_complete" });
        expect((await manager.unarchiveThread(session.threadId)).archived).toBe(false);
      });
    });

    describe("session init guard", () => {
      it("discards the new writer when a fork's setup fails", async () => {
        const source = await startWithTurn();
        await source.shutdown();
        const rec = recordingStore(store);
        rec.failNext("appendItems", new InternalError("no space"));
        manager = new ThreadManager({ store: rec.store, defaults: DEFAULTS });
        await expect(manager.forkThread({ threadId: source.threadId })).rejects.toThrow("thread-store internal error: no space");
        expect(rec.methods().slice(-2)).toEqual(["appendItems", "discardThread"]);
        expect(manager.loadedThreadIds()).toEqual([]);
      });
    });
  });
}
