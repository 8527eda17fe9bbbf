import { describe, expect, it } from "vitest";
import { newThreadId } from "@skein/protocol";
import { InMemoryThreadStore } from "../src/index.js";
import { describeThreadStoreConformance, seedThread } from "../src/conformance/index.js";

describeThreadStoreConformance("InMemoryThreadStore", {
  create: async () => new InMemoryThreadStore(),
  // In memory, "reopen" is the same data after close(): writers released, pending items flushed.
  reopen: async (store) => {
    await store.close();
    return store;
  },
  capabilities: { rolloutPaths: false },
});

describe("InMemoryThreadStore", () => {
  describe("forId", () => {
    it("returns one shared store per id", () => {
      const id = `registry-${newThreadId()}`;
      expect(InMemoryThreadStore.forId(id)).toBe(InMemoryThreadStore.forId(id));
      InMemoryThreadStore.removeId(id);
    });

    it("shares threads between callers that use the same id", async () => {
      const id = `registry-${newThreadId()}`;
      const thread = await seedThread(InMemoryThreadStore.forId(id));
      expect((await InMemoryThreadStore.forId(id).readThread({ threadId: thread.threadId })).threadId).toBe(thread.threadId);
      InMemoryThreadStore.removeId(id);
    });

    it("gives different ids separate stores", async () => {
      const a = `registry-${newThreadId()}`;
      const b = `registry-${newThreadId()}`;
      await seedThread(InMemoryThreadStore.forId(a));
      expect((await InMemoryThreadStore.forId(b).listThreads({})).items).toEqual([]);
      InMemoryThreadStore.removeId(a);
      InMemoryThreadStore.removeId(b);
    });

    it("removeId drops the store, so the id starts empty again", async () => {
      const id = `registry-${newThreadId()}`;
      await seedThread(InMemoryThreadStore.forId(id));
      expect(InMemoryThreadStore.removeId(id)).toBe(true);
      expect(InMemoryThreadStore.removeId(id)).toBe(false);
      expect((await InMemoryThreadStore.forId(id).listThreads({})).items).toEqual([]);
      InMemoryThreadStore.removeId(id);
    });
  });

  describe("clock", () => {
    it("stamps history lines and times with the injected clock", async () => {
      const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
      const store = new InMemoryThreadStore({ now: () => now });
      const thread = await seedThread(store);
      const read = await store.readThread({ threadId: thread.threadId, includeHistory: true });
      expect({ createdAt: read.createdAt, updatedAt: read.updatedAt, recencyAt: read.recencyAt }).toEqual({ createdAt: now, updatedAt: now, recencyAt: now });
      expect(new Set(read.history!.map((l) => l.timestamp))).toEqual(new Set(["2026-01-02T03:04:05.678Z"]));
    });

    it("unarchiveThread bumps updatedAt to now, like Codex's mtime touch", async () => {
      let now = Date.UTC(2026, 0, 1);
      const store = new InMemoryThreadStore({ now: () => now });
      const thread = await seedThread(store);
      await store.archiveThread({ threadId: thread.threadId });
      now += 60_000;
      expect((await store.unarchiveThread({ threadId: thread.threadId })).updatedAt).toBe(now);
    });
  });

  // Codex in-memory store tests (docs/thread-store.md, "InMemoryThreadStore"), in our words: Codex's
  // in-memory store declined turn pagination; ours implements it.
  describe("Codex in-memory scenarios", () => {
    it("pages turns with default parameters (oldest first, no cursor for one page)", async () => {
      const store = new InMemoryThreadStore();
      const thread = await seedThread(store, { messages: ["one", "two"] });
      const page = await store.listTurns({ threadId: thread.threadId });
      expect(page.items.map((t) => [t.index, t.status])).toEqual([[0, "completed"], [1, "completed"]]);
      expect(page.nextCursor).toBeUndefined();
      expect((await store.listItems({ threadId: thread.threadId })).items[0]!.position).toBe(0);
    });

    it("filters the list by parent thread id", async () => {
      const store = new InMemoryThreadStore();
      const parent = await seedThread(store);
      const children = [
        await seedThread(store, { create: { parentThreadId: parent.threadId } }),
        await seedThread(store, { create: { parentThreadId: parent.threadId } }),
      ];
      await seedThread(store, { create: { parentThreadId: newThreadId() } });
      const ids = (await store.listThreads({ parentThreadId: parent.threadId })).items.map((t) => t.threadId);
      expect(ids.sort()).toEqual(children.map((c) => c.threadId).sort());
    });
  });

  describe("readThreadByRolloutPath", () => {
    it("finds a thread by the rollout path it was resumed from", async () => {
      const store = new InMemoryThreadStore();
      const thread = await seedThread(store);
      await store.resumeThread({ threadId: thread.threadId, rolloutPath: "/elsewhere/rollout.jsonl", metadata: { cwd: "/w", modelProvider: "openai" } });
      const read = await store.readThreadByRolloutPath({ rolloutPath: "/elsewhere/rollout.jsonl" });
      expect(read).toMatchObject({ threadId: thread.threadId, rolloutPath: "/elsewhere/rollout.jsonl" });
    });
  });
});
