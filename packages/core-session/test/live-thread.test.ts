import { newThreadId, type ThreadId } from "@skein/protocol";
import { InMemoryThreadStore, InternalError, ThreadNotFoundError } from "@skein/thread-store";
import { describe, expect, it } from "vitest";
import { InvalidSessionRequestError, LiveThread, LiveThreadInitGuard, MetadataUpdateError, ThreadClosedError } from "../src/index.js";
import { manualClock } from "./fixtures/clock.js";
import { agentMessage, assistantOutput, taskStarted, userMessage } from "./fixtures/items.js";
import { recordingStore } from "./fixtures/recording-store.js";

function setup() {
  const clock = manualClock();
  const inner = new InMemoryThreadStore({ now: clock.now });
  const rec = recordingStore(inner);
  return { clock, inner, rec };
}

async function create(store: ReturnType<typeof setup>["rec"]["store"], clock: ReturnType<typeof manualClock>, threadId: ThreadId = newThreadId()) {
  return LiveThread.create(store, { threadId, source: "cli", metadata: { cwd: "/work", modelProvider: "openai" } }, { now: clock.now, touchCoalesceMs: 50 });
}

describe("LiveThread", () => {
  describe("appendItems", () => {
    it("sends the derived patch only after the history append and a flush", async () => {
      const { clock, rec } = setup();
      const live = await create(rec.store, clock);
      rec.calls.length = 0;
      await live.appendItems([userMessage("hello")]);
      expect(rec.methods()).toEqual(["appendItems", "flushThread", "updateThreadMetadata"]);
      expect((rec.calls[2]!.params as { patch: object }).patch).toMatchObject({ preview: "hello", createdAt: clock.now() });
    });

    it("drops transient events by the persistence policy and skips an empty append", async () => {
      const { clock, rec } = setup();
      const live = await create(rec.store, clock);
      rec.calls.length = 0;
      await live.appendItems([{ type: "event_msg", payload: { type: "agent_message_delta", delta: "x" } }]);
      expect(rec.calls).toEqual([]);
    });

    it("sends one patch per append call, batching every item of the call", async () => {
      const { clock, rec } = setup();
      const live = await create(rec.store, clock);
      rec.calls.length = 0;
      await live.appendItems([taskStarted(), userMessage("one"), userMessage("two"), agentMessage("a")]);
      expect(rec.methods().filter((m) => m === "updateThreadMetadata")).toHaveLength(1);
    });

    it("reports an append failure and sends no metadata", async () => {
      const { clock, rec } = setup();
      const live = await create(rec.store, clock);
      rec.calls.length = 0;
      const failure = new InternalError("disk full");
      rec.failNext("appendItems", failure);
      await expect(live.appendItems([userMessage("hello")])).rejects.toBe(failure);
      expect(rec.methods()).toEqual(["appendItems"]);
    });

    it("keeps a failed patch pending and retries it with the next append", async () => {
      const { clock, rec, inner } = setup();
      const live = await create(rec.store, clock);
      rec.failNext("updateThreadMetadata", new InternalError("db locked"));
      const error = await live.appendItems([userMessage("hello")]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MetadataUpdateError);
      expect((error as Error).message).toBe(`thread ${live.threadId}: history was accepted but its metadata update failed (thread-store internal error: db locked)`);
      expect(live.hasPendingMetadata).toBe(true);
      clock.advance(1);
      await live.appendItems([agentMessage("again")]);
      expect(live.hasPendingMetadata).toBe(false);
      const thread = await inner.readThread({ threadId: live.threadId, includeHistory: true });
      expect(thread.preview).toBe("hello");
      expect(thread.history?.map((l) => l.type)).toEqual(["session_meta", "event_msg", "event_msg"]);
    });

    it("retries a failed patch at the next flush barrier", async () => {
      const { clock, rec, inner } = setup();
      const live = await create(rec.store, clock);
      rec.failNext("updateThreadMetadata", new InternalError("db locked"));
      await expect(live.appendItems([userMessage("hello")])).rejects.toBeInstanceOf(MetadataUpdateError);
      await live.flush();
      expect((await inner.readThread({ threadId: live.threadId })).preview).toBe("hello");
    });

    it("sends no metadata for output appended inside the coalescing window", async () => {
      const { clock, rec } = setup();
      const live = await create(rec.store, clock);
      await live.appendItems([userMessage("hello")]);
      rec.calls.length = 0;
      for (let i = 0; i < 20; i++) {
        clock.advance(1);
        await live.appendItems([assistantOutput(`chunk ${i}`)]);
      }
      expect(new Set(rec.methods())).toEqual(new Set(["appendItems"]));
      expect(live.hasPendingMetadata).toBe(true);
    });

    it("keeps call order when a call arrives while another is in flight", async () => {
      const { clock, rec, inner } = setup();
      const live = await create(rec.store, clock);
      const first = live.appendItems([userMessage("1")]);
      const second = live.appendItems([assistantOutput("2")]);
      await second;
      await first;
      const third = live.appendItems([assistantOutput("3")]);
      await third;
      const { items } = await inner.loadHistory({ threadId: live.threadId });
      expect(items.slice(1).map((l) => l.type)).toEqual(["event_msg", "response_item", "response_item"]);
      // The second append waited for the first one's patch instead of starting at once.
      expect(rec.methods()).toEqual(["createThread", "appendItems", "flushThread", "updateThreadMetadata", "appendItems", "appendItems"]);
    });

    it("keeps concurrent calls in call order", async () => {
      const { clock, rec, inner } = setup();
      const live = await create(rec.store, clock);
      await Promise.all([live.appendItems([userMessage("1")]), live.appendItems([agentMessage("2")]), live.appendItems([agentMessage("3")])]);
      const { items } = await inner.loadHistory({ threadId: live.threadId });
      expect(items.slice(1).map((l) => (l.payload as { message: string }).message)).toEqual(["1", "2", "3"]);
    });
  });

  describe("shutdown", () => {
    it("writes nothing for a thread that never got an item", async () => {
      const { clock, rec, inner } = setup();
      const live = await create(rec.store, clock);
      await live.shutdown();
      expect(rec.methods()).toEqual(["createThread", "shutdownThread"]);
      await expect(inner.readThread({ threadId: live.threadId })).rejects.toThrow(new ThreadNotFoundError(live.threadId));
    });

    it("flushes a coalesced touch before closing the writer", async () => {
      const { clock, rec, inner } = setup();
      const live = await create(rec.store, clock);
      await live.appendItems([userMessage("hello")]);
      clock.advance(10);
      await live.appendItems([agentMessage("coalesced")]);
      expect(live.hasPendingMetadata).toBe(true);
      await live.shutdown();
      expect((await inner.readThread({ threadId: live.threadId })).updatedAt).toBe(clock.now());
      expect(rec.methods().slice(-3)).toEqual(["flushThread", "updateThreadMetadata", "shutdownThread"]);
    });

    it("rejects appends after shutdown", async () => {
      const { clock, rec } = setup();
      const live = await create(rec.store, clock);
      await live.shutdown();
      await expect(live.appendItems([userMessage("late")])).rejects.toThrow(new ThreadClosedError(live.threadId));
    });
  });

  describe("updateMetadata", () => {
    it("drains the pending derived patch before the explicit one", async () => {
      const { clock, rec } = setup();
      const live = await create(rec.store, clock);
      await live.appendItems([userMessage("hello")]);
      clock.advance(10);
      await live.appendItems([agentMessage("coalesced")]);
      rec.calls.length = 0;
      const thread = await live.updateMetadata({ name: "renamed" });
      expect(thread.name).toBe("renamed");
      expect(rec.calls.map((c) => [c.method, Object.keys((c.params as { patch?: object }).patch ?? {})])).toEqual([
        ["flushThread", []],
        ["updateThreadMetadata", ["updatedAt"]],
        ["updateThreadMetadata", ["name"]],
      ]);
    });

    it("rejects a malformed patch with a typed error", async () => {
      const { clock, rec } = setup();
      const live = await create(rec.store, clock);
      await expect(live.updateMetadata({ bogus: 1 } as never)).rejects.toBeInstanceOf(InvalidSessionRequestError);
    });
  });

  describe("resume", () => {
    it("observes the loaded history and writes nothing until an append", async () => {
      const { clock, rec, inner } = setup();
      const first = await create(rec.store, clock);
      await first.appendItems([userMessage("hello")]);
      await first.shutdown();
      rec.calls.length = 0;
      const live = await LiveThread.resume(rec.store, { threadId: first.threadId, metadata: { cwd: "/work", modelProvider: "openai" } }, { now: clock.now });
      expect(live.initialHistory.map((l) => l.type)).toEqual(["session_meta", "event_msg"]);
      await live.flush();
      await live.shutdown();
      expect(rec.methods()).not.toContain("updateThreadMetadata");
      expect(rec.methods()).not.toContain("appendItems");
      expect((await inner.readThread({ threadId: first.threadId })).preview).toBe("hello");
    });

    it("discards the writer when loading the history fails", async () => {
      const { clock, rec } = setup();
      const first = await create(rec.store, clock);
      await first.appendItems([userMessage("hello")]);
      await first.shutdown();
      rec.failNext("loadHistory", new InternalError("unreadable"));
      await expect(LiveThread.resume(rec.store, { threadId: first.threadId, metadata: { cwd: "/work", modelProvider: "openai" } })).rejects.toThrow("thread-store internal error: unreadable");
      expect(rec.methods().slice(-2)).toEqual(["loadHistory", "discardThread"]);
      // The writer was released: the thread can be resumed again.
      const again = await LiveThread.resume(rec.store, { threadId: first.threadId, metadata: { cwd: "/work", modelProvider: "openai" } });
      await again.shutdown();
    });
  });
});

describe("LiveThreadInitGuard", () => {
  it("discards the writer when disposed without commit", async () => {
    const { clock, rec, inner } = setup();
    const live = await create(rec.store, clock);
    await live.appendItems([userMessage("hello")]);
    const guard = new LiveThreadInitGuard(live);
    await guard[Symbol.asyncDispose]();
    expect(rec.methods().at(-1)).toBe("discardThread");
    expect(live.closed).toBe(true);
    // The writer is gone, so a new one can be opened.
    const resumed = await LiveThread.resume(inner, { threadId: live.threadId, metadata: { cwd: "/work", modelProvider: "openai" } });
    await resumed.shutdown();
  });

  it("keeps the writer after commit", async () => {
    const { clock, rec } = setup();
    const live = await create(rec.store, clock);
    const guard = new LiveThreadInitGuard(live);
    expect(guard.commit()).toBe(live);
    await guard[Symbol.asyncDispose]();
    expect(rec.methods()).not.toContain("discardThread");
    expect(live.closed).toBe(false);
  });

  it("records a failed discard instead of throwing", async () => {
    const { clock, rec } = setup();
    const live = await create(rec.store, clock);
    const failure = new InternalError("gone");
    rec.failNext("discardThread", failure);
    const guard = new LiveThreadInitGuard(live);
    await guard.discard();
    expect(guard.discardError).toBe(failure);
  });
});
