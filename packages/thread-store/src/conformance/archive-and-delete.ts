import { describe, expect, it } from "vitest";
import { ThreadNotFoundError } from "../errors.js";
import { CWD_A, expectRejects, expectRejectsWith, NEVER_CREATED, seedThread, userTurn } from "./builders.js";
import { isUnsupported, useStore, type ThreadStoreHarness } from "./harness.js";

/** archiveThread, unarchiveThread and deleteThread. */
export function archiveAndDeleteContract(harness: ThreadStoreHarness): void {
  describe("archiveThread and unarchiveThread", () => {
    const store = useStore(harness);

    it("archiveThread moves a thread to the archived collection, history intact", async () => {
      const thread = await seedThread(store(), { messages: ["archive me"] });
      const history = (await store().loadHistory({ threadId: thread.threadId })).items;
      await store().archiveThread({ threadId: thread.threadId });
      const read = await store().readThread({ threadId: thread.threadId, includeArchived: true, includeHistory: true });
      expect(read.archived).toBe(true);
      expect(read.history).toEqual(history);
    });

    it("archiveThread does not change recencyAt", async () => {
      const thread = await seedThread(store());
      await store().archiveThread({ threadId: thread.threadId });
      expect((await store().readThread({ threadId: thread.threadId, includeArchived: true })).recencyAt).toBe(thread.recencyAt);
    });

    it("archiveThread of an archived thread is a no-op", async () => {
      const thread = await seedThread(store());
      await store().archiveThread({ threadId: thread.threadId });
      const first = await store().readThread({ threadId: thread.threadId, includeArchived: true });
      await store().archiveThread({ threadId: thread.threadId });
      expect(await store().readThread({ threadId: thread.threadId, includeArchived: true })).toEqual(first);
    });

    it("unarchiveThread returns the thread to the active collection and returns it", async () => {
      const thread = await seedThread(store(), { messages: ["bring me back"] });
      const history = (await store().loadHistory({ threadId: thread.threadId })).items;
      await store().archiveThread({ threadId: thread.threadId });
      const restored = await store().unarchiveThread({ threadId: thread.threadId });
      expect(restored).toMatchObject({ threadId: thread.threadId, archived: false, preview: "bring me back" });
      expect(restored.archivedAt).toBeUndefined();
      expect((await store().listThreads({})).items.map((t) => t.threadId)).toEqual([thread.threadId]);
      expect((await store().loadHistory({ threadId: thread.threadId })).items).toEqual(history);
    });

    it("unarchiveThread of an active thread is a no-op that returns the thread", async () => {
      const thread = await seedThread(store());
      const before = await store().readThread({ threadId: thread.threadId });
      expect(await store().unarchiveThread({ threadId: thread.threadId })).toEqual(before);
    });

    it("rejects unknown threads with ThreadNotFoundError", async () => {
      await expectRejects(store().archiveThread({ threadId: NEVER_CREATED }), new ThreadNotFoundError(NEVER_CREATED));
      await expectRejects(store().unarchiveThread({ threadId: NEVER_CREATED }), new ThreadNotFoundError(NEVER_CREATED));
    });
  });

  describe("deleteThread", () => {
    const store = useStore(harness);

    if (isUnsupported(harness, "deleteThread")) {
      it("is declared unsupported and rejects with UnsupportedOperationError", async () => {
        const thread = await seedThread(store());
        await expectRejectsWith(store().deleteThread({ threadId: thread.threadId }), "unsupported");
      });
      return;
    }

    it("removes history and metadata", async () => {
      const thread = await seedThread(store(), { patch: { name: "Doomed" } });
      await store().deleteThread({ threadId: thread.threadId });
      await expectRejects(store().readThread({ threadId: thread.threadId, includeArchived: true }), new ThreadNotFoundError(thread.threadId));
      await expectRejects(store().loadHistory({ threadId: thread.threadId, includeArchived: true }), new ThreadNotFoundError(thread.threadId));
      expect((await store().listThreads({})).items).toEqual([]);
      expect((await store().listThreads({ searchTerm: "Doomed" })).items).toEqual([]);
    });

    it("removes an archived thread", async () => {
      const thread = await seedThread(store());
      await store().archiveThread({ threadId: thread.threadId });
      await store().deleteThread({ threadId: thread.threadId });
      expect((await store().listThreads({ archived: true })).items).toEqual([]);
      await expectRejects(store().readThread({ threadId: thread.threadId, includeArchived: true }), new ThreadNotFoundError(thread.threadId));
    });

    it("releases the live writer of the deleted thread", async () => {
      const thread = await seedThread(store(), { keepWriter: true });
      await store().deleteThread({ threadId: thread.threadId });
      await expectRejects(store().appendItems({ threadId: thread.threadId, items: userTurn("ghost") }), new ThreadNotFoundError(thread.threadId));
    });

    it("leaves other threads untouched", async () => {
      const keep = await seedThread(store(), { messages: ["keep me"] });
      const drop = await seedThread(store(), { messages: ["drop me"] });
      await store().deleteThread({ threadId: drop.threadId });
      expect((await store().listThreads({})).items.map((t) => t.threadId)).toEqual([keep.threadId]);
      expect((await store().loadHistory({ threadId: keep.threadId })).items).toHaveLength(1 + userTurn("x").length);
    });

    it("rejects an unknown thread, or one already deleted, with ThreadNotFoundError", async () => {
      await expectRejects(store().deleteThread({ threadId: NEVER_CREATED }), new ThreadNotFoundError(NEVER_CREATED));
      const thread = await seedThread(store());
      await store().deleteThread({ threadId: thread.threadId });
      await expectRejects(store().deleteThread({ threadId: thread.threadId }), new ThreadNotFoundError(thread.threadId));
    });

    it("lets the id be created again after delete", async () => {
      const thread = await seedThread(store());
      await store().deleteThread({ threadId: thread.threadId });
      await store().createThread({ threadId: thread.threadId, source: "cli", metadata: { cwd: CWD_A, modelProvider: "openai" } });
      await store().persistThread({ threadId: thread.threadId });
      expect((await store().loadHistory({ threadId: thread.threadId })).items).toHaveLength(1);
    });
  });
}
