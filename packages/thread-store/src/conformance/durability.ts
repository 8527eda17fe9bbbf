import { describe, expect, it } from "vitest";
import { createParams, CWD_A, seedThread, userTurn } from "./builders.js";
import { useStore, type ThreadStoreHarness } from "./harness.js";

const NO_REOPEN = "(skipped: the harness has no reopen())";

/** close() and what survives a reopen over the same backing data. */
export function durabilityContract(harness: ThreadStoreHarness): void {
  describe("close and durability", () => {
    const store = useStore(harness);

    it("close() is idempotent", async () => {
      await seedThread(store(), { keepWriter: true });
      await store().close();
      await expect(store().close()).resolves.toBeUndefined();
    });

    const withReopen = harness.reopen ? it : it.skip;
    const suffix = harness.reopen ? "" : ` ${NO_REOPEN}`;

    withReopen(`flushed history, metadata and archive state survive a reopen${suffix}`, async () => {
      const kept = await seedThread(store(), { messages: ["durable"], patch: { name: "Durable name", gitInfo: { branch: "main" } } });
      const archived = await seedThread(store());
      await store().archiveThread({ threadId: archived.threadId });
      const history = (await store().loadHistory({ threadId: kept.threadId })).items;
      const summary = await store().readThread({ threadId: kept.threadId });
      const reopened = await store.reopen();
      expect(await reopened.readThread({ threadId: kept.threadId })).toEqual(summary);
      expect((await reopened.loadHistory({ threadId: kept.threadId })).items).toEqual(history);
      expect((await reopened.readThread({ threadId: archived.threadId, includeArchived: true })).archived).toBe(true);
    });

    withReopen(`close() flushes pending items of live writers${suffix}`, async () => {
      const params = createParams();
      await store().createThread(params);
      await store().appendItems({ threadId: params.threadId, items: userTurn("written at close") });
      const reopened = await store.reopen();
      const history = (await reopened.loadHistory({ threadId: params.threadId })).items;
      expect(history).toHaveLength(1 + userTurn("x").length);
    });

    withReopen(`close() releases live writers, so a reopened store can resume the thread${suffix}`, async () => {
      const thread = await seedThread(store(), { keepWriter: true });
      const reopened = await store.reopen();
      await reopened.resumeThread({ threadId: thread.threadId, metadata: { cwd: CWD_A, modelProvider: "openai" } });
      await reopened.appendItems({ threadId: thread.threadId, items: userTurn("after reopen") });
      await reopened.shutdownThread({ threadId: thread.threadId });
      expect((await reopened.loadHistory({ threadId: thread.threadId })).items).toHaveLength(1 + 2 * userTurn("x").length);
    });
  });
}
