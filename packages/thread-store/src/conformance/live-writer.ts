import { describe, expect, it } from "vitest";
import { newThreadId, type SessionMeta } from "@skein/protocol";
import { ConflictError, InvalidRequestError, ThreadNotFoundError } from "../errors.js";
import { MISSING_CWD_DETAIL } from "../history/request-validation.js";
import { createParams, CWD_A, expectRejects, expectRejectsWith, rejection, seedThread, transientItems, userTurn } from "./builders.js";
import { useStore, type ThreadStoreHarness } from "./harness.js";

/** createThread, resumeThread, appendItems, persistThread, flushThread, shutdownThread, discardThread. */
export function liveWriterContract(harness: ThreadStoreHarness): void {
  describe("live writer lifecycle", () => {
    const store = useStore(harness);

    describe("createThread", () => {
      it("is lazy: a created thread is not readable before it is persisted", async () => {
        const params = createParams();
        await store().createThread(params);
        await expectRejects(store().readThread({ threadId: params.threadId }), new ThreadNotFoundError(params.threadId));
        await expectRejects(store().loadHistory({ threadId: params.threadId }), new ThreadNotFoundError(params.threadId));
      });

      it("is lazy: a created thread is not listed before it is persisted", async () => {
        const params = createParams();
        await store().createThread(params);
        expect((await store().listThreads({})).items).toEqual([]);
      });

      it("writes a session_meta built from the create params as the first history line", async () => {
        const forkedFromId = newThreadId();
        const parentThreadId = newThreadId();
        const params = createParams({
          forkedFromId,
          parentThreadId,
          source: "exec",
          threadSource: "user",
          baseInstructions: "Be brief.",
          metadata: { cwd: CWD_A, modelProvider: "mock-provider" },
        });
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        const { items } = await store().loadHistory({ threadId: params.threadId });
        expect(items).toHaveLength(1);
        expect(items[0]!.type).toBe("session_meta");
        expect(Date.parse(items[0]!.timestamp)).not.toBeNaN();
        expect(items[0]!.payload).toMatchObject({
          id: params.threadId,
          cwd: CWD_A,
          originator: "skein_conformance",
          cli_version: "0.169.0",
          source: "exec",
          thread_source: "user",
          model_provider: "mock-provider",
          base_instructions: { text: "Be brief." },
          forked_from_id: forkedFromId,
          parent_thread_id: parentThreadId,
          history_mode: "legacy",
        });
        expect(Date.parse((items[0]!.payload as SessionMeta).timestamp)).not.toBeNaN();
      });

      it("omits dynamic_tools and memory_mode from session_meta when there are none and memory is on", async () => {
        const params = createParams({ dynamicTools: [], metadata: { cwd: CWD_A, modelProvider: "openai", memoryMode: "enabled" } });
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        const meta = (await store().loadHistory({ threadId: params.threadId })).items[0]!.payload as Record<string, unknown>;
        expect(meta).not.toHaveProperty("dynamic_tools");
        expect(meta).not.toHaveProperty("memory_mode");
      });

      it("writes dynamic tools into session_meta in Codex form", async () => {
        const params = createParams({
          dynamicTools: [{ name: "lookup", description: "Look up a key", input_schema: { type: "object", properties: { key: { type: "string" } } } }],
        });
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        const meta = (await store().loadHistory({ threadId: params.threadId })).items[0]!.payload as SessionMeta;
        expect(meta.dynamic_tools).toEqual([
          { type: "function", name: "lookup", description: "Look up a key", inputSchema: { type: "object", properties: { key: { type: "string" } } } },
        ]);
      });

      it("writes memory_mode disabled into session_meta when memories are disabled", async () => {
        const params = createParams({ metadata: { cwd: CWD_A, modelProvider: "openai", memoryMode: "disabled" } });
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        const meta = (await store().loadHistory({ threadId: params.threadId })).items[0]!.payload as SessionMeta;
        expect(meta.memory_mode).toBe("disabled");
      });

      it("writes the requested history_mode into session_meta", async () => {
        const params = createParams({ historyMode: "paginated" });
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        const meta = (await store().loadHistory({ threadId: params.threadId })).items[0]!.payload as SessionMeta;
        expect(meta.history_mode).toBe("paginated");
      });

      it("rejects a thread without metadata.cwd with InvalidRequestError", async () => {
        const params = createParams();
        await expectRejects(
          store().createThread({ ...params, metadata: { modelProvider: "openai" } }),
          new InvalidRequestError(MISSING_CWD_DETAIL),
        );
      });

      it("rejects an id that already exists durably with ConflictError", async () => {
        const thread = await seedThread(store());
        const error = await rejection(store().createThread(createParams({ threadId: thread.threadId })));
        expect(error.code).toBe("conflict");
        expect(error.message).toContain(thread.threadId);
      });

      it("rejects a second live writer with a ConflictError naming the thread and its holder", async () => {
        const params = createParams();
        await store().createThread(params);
        const error = (await rejection(store().createThread(params))) as ConflictError;
        expect(error.code).toBe("conflict");
        expect(error.message).toContain(params.threadId);
        if (error.holder !== undefined) expect(error.message).toContain(error.holder);
      });
    });

    describe("resumeThread", () => {
      it("reopens a shut-down thread and appends to the same history", async () => {
        const thread = await seedThread(store(), { messages: ["first"] });
        const before = (await store().loadHistory({ threadId: thread.threadId })).items;
        await store().resumeThread({ threadId: thread.threadId, metadata: { cwd: CWD_A, modelProvider: "openai" } });
        await store().appendItems({ threadId: thread.threadId, items: userTurn("second") });
        await store().flushThread({ threadId: thread.threadId });
        const after = (await store().loadHistory({ threadId: thread.threadId })).items;
        expect(after.slice(0, before.length)).toEqual(before);
        expect(after).toHaveLength(before.length + userTurn("x").length);
        expect(after.filter((l) => l.type === "session_meta")).toHaveLength(1);
      });

      it("rejects a thread that does not exist with ThreadNotFoundError", async () => {
        const id = newThreadId();
        await expectRejects(store().resumeThread({ threadId: id, metadata: { cwd: CWD_A, modelProvider: "openai" } }), new ThreadNotFoundError(id));
      });

      it("rejects a resume without metadata.cwd with InvalidRequestError", async () => {
        const thread = await seedThread(store());
        await expectRejects(
          store().resumeThread({ threadId: thread.threadId, metadata: { modelProvider: "openai" } }),
          new InvalidRequestError(MISSING_CWD_DETAIL),
        );
      });

      it("rejects a resume while another live writer holds the thread with ConflictError", async () => {
        const thread = await seedThread(store(), { keepWriter: true });
        const error = await rejection(store().resumeThread({ threadId: thread.threadId, metadata: { cwd: CWD_A, modelProvider: "openai" } }));
        expect(error.code).toBe("conflict");
        expect(error.message).toContain(thread.threadId);
      });
    });

    describe("appendItems", () => {
      it("keeps call order across calls", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        const turns = [userTurn("one"), userTurn("two"), userTurn("three")];
        for (const items of turns) await store().appendItems({ threadId: params.threadId, items });
        await store().flushThread({ threadId: params.threadId });
        const history = (await store().loadHistory({ threadId: params.threadId })).items;
        expect(history.slice(1).map(({ type, payload }) => ({ type, payload }))).toEqual(turns.flat());
      });

      it("applies the persistence policy: transient events are not stored", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        const turn = userTurn("hello");
        await store().appendItems({ threadId: params.threadId, items: [...transientItems(), ...turn, ...transientItems()] });
        await store().flushThread({ threadId: params.threadId });
        const history = (await store().loadHistory({ threadId: params.threadId })).items;
        expect(history.slice(1).map(({ type, payload }) => ({ type, payload }))).toEqual(turn);
      });

      it("keeps a record kind it does not know verbatim", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        const item = { type: "world_state", payload: { revision: 3, nested: { keep: [1, "two", null] } } };
        await store().appendItems({ threadId: params.threadId, items: [item] });
        await store().flushThread({ threadId: params.threadId });
        const history = (await store().loadHistory({ threadId: params.threadId })).items;
        expect(history.at(-1)).toMatchObject(item);
      });

      it("is history-only: metadata set by patches is unchanged by an append", async () => {
        const thread = await seedThread(store(), {
          keepWriter: true,
          patch: { name: "Kept name", title: "Kept title", preview: "kept preview", model: "gpt-5", tokenUsage: { totalTokens: 42 }, memoryMode: "disabled", gitInfo: { branch: "main" } },
        });
        await store().appendItems({ threadId: thread.threadId, items: userTurn("a message that could look like a title") });
        await store().flushThread({ threadId: thread.threadId });
        const after = await store().readThread({ threadId: thread.threadId });
        expect(after).toMatchObject({ name: "Kept name", title: "Kept title", preview: "kept preview", model: "gpt-5", tokensUsed: 42, memoryMode: "disabled", gitInfo: { branch: "main" } });
      });

      it("stores a copy: mutating the items after the call does not change history", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        const items = userTurn("original");
        await store().appendItems({ threadId: params.threadId, items });
        await store().flushThread({ threadId: params.threadId });
        (items[3]!.payload as { message: string }).message = "mutated";
        const history = (await store().loadHistory({ threadId: params.threadId })).items;
        expect(history.map((l) => (l.payload as { message?: string }).message)).not.toContain("mutated");
      });

      it("rejects a thread without a live writer with ThreadNotFoundError", async () => {
        const id = newThreadId();
        await expectRejects(store().appendItems({ threadId: id, items: userTurn("x") }), new ThreadNotFoundError(id));
      });

      it("rejects a thread whose writer was shut down with ThreadNotFoundError", async () => {
        const thread = await seedThread(store());
        await expectRejects(store().appendItems({ threadId: thread.threadId, items: userTurn("late") }), new ThreadNotFoundError(thread.threadId));
      });
    });

    describe("persistThread, flushThread, shutdownThread", () => {
      it("persistThread is idempotent: session_meta is written once", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        await store().persistThread({ threadId: params.threadId });
        await store().appendItems({ threadId: params.threadId, items: userTurn("x") });
        await store().persistThread({ threadId: params.threadId });
        const history = (await store().loadHistory({ threadId: params.threadId })).items;
        expect(history.filter((l) => l.type === "session_meta")).toHaveLength(1);
      });

      it("flushThread with pending items materializes a created thread", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().appendItems({ threadId: params.threadId, items: userTurn("hello") });
        await store().flushThread({ threadId: params.threadId });
        const history = (await store().loadHistory({ threadId: params.threadId })).items;
        expect(history.map((l) => l.type)).toEqual(["session_meta", ...userTurn("x").map((i) => i.type)]);
      });

      it("flushThread with nothing pending does not materialize a created thread", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().flushThread({ threadId: params.threadId });
        await expectRejects(store().readThread({ threadId: params.threadId }), new ThreadNotFoundError(params.threadId));
      });

      it("shutdownThread writes pending items, then releases the writer", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().appendItems({ threadId: params.threadId, items: userTurn("bye") });
        await store().shutdownThread({ threadId: params.threadId });
        expect((await store().loadHistory({ threadId: params.threadId })).items).toHaveLength(1 + userTurn("x").length);
        await expectRejects(store().flushThread({ threadId: params.threadId }), new ThreadNotFoundError(params.threadId));
      });

      it("shutdownThread of a thread with no items does not materialize it", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().shutdownThread({ threadId: params.threadId });
        await expectRejects(store().readThread({ threadId: params.threadId }), new ThreadNotFoundError(params.threadId));
      });

      it("persistThread and flushThread reject a thread without a live writer with ThreadNotFoundError", async () => {
        const thread = await seedThread(store());
        await expectRejects(store().persistThread({ threadId: thread.threadId }), new ThreadNotFoundError(thread.threadId));
        await expectRejects(store().flushThread({ threadId: thread.threadId }), new ThreadNotFoundError(thread.threadId));
        await expectRejects(store().shutdownThread({ threadId: thread.threadId }), new ThreadNotFoundError(thread.threadId));
      });
    });

    describe("discardThread", () => {
      it("drops a never-persisted thread entirely, so its id can be created again", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().discardThread({ threadId: params.threadId });
        await expectRejects(store().readThread({ threadId: params.threadId }), new ThreadNotFoundError(params.threadId));
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        expect((await store().loadHistory({ threadId: params.threadId })).items).toHaveLength(1);
      });

      it("keeps what was already durable and releases the writer", async () => {
        const thread = await seedThread(store(), { keepWriter: true, messages: ["durable"] });
        const durable = (await store().loadHistory({ threadId: thread.threadId })).items;
        await store().discardThread({ threadId: thread.threadId });
        expect((await store().loadHistory({ threadId: thread.threadId })).items).toEqual(durable);
        await expectRejects(store().appendItems({ threadId: thread.threadId, items: userTurn("x") }), new ThreadNotFoundError(thread.threadId));
        await store().resumeThread({ threadId: thread.threadId, metadata: { cwd: CWD_A, modelProvider: "openai" } });
      });

      it("rejects a thread without a live writer with ThreadNotFoundError", async () => {
        const id = newThreadId();
        await expectRejects(store().discardThread({ threadId: id }), new ThreadNotFoundError(id));
      });
    });

    it("appendItems after shutdownThread fails, and resumeThread makes the thread writable again", async () => {
      const thread = await seedThread(store());
      await expectRejectsWith(store().appendItems({ threadId: thread.threadId, items: userTurn("x") }), "thread_not_found", thread.threadId);
      await store().resumeThread({ threadId: thread.threadId, metadata: { cwd: CWD_A, modelProvider: "openai" } });
      await store().appendItems({ threadId: thread.threadId, items: userTurn("again") });
      await store().shutdownThread({ threadId: thread.threadId });
      const history = (await store().loadHistory({ threadId: thread.threadId })).items;
      expect(history.some((l) => (l.payload as { message?: string }).message === "again")).toBe(true);
    });
  });
}
