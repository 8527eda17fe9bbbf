import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors.js";
import type { ThreadStore } from "../thread-store.js";
import { CWD_A, createParams, expectRejects, expectRejectsWith, seedThread } from "./builders.js";
import { useStore, type ThreadStoreHarness } from "./harness.js";

type Call = (store: ThreadStore, threadId: string) => Promise<unknown>;

const META = { cwd: CWD_A, modelProvider: "openai" };

/** Every method that takes a thread id, called with `threadId`. */
const BY_ID: Record<string, Call> = {
  createThread: (s, id) => s.createThread(createParams({ threadId: id })),
  resumeThread: (s, id) => s.resumeThread({ threadId: id, metadata: META }),
  appendItems: (s, id) => s.appendItems({ threadId: id, items: [] }),
  persistThread: (s, id) => s.persistThread({ threadId: id }),
  flushThread: (s, id) => s.flushThread({ threadId: id }),
  shutdownThread: (s, id) => s.shutdownThread({ threadId: id }),
  discardThread: (s, id) => s.discardThread({ threadId: id }),
  loadHistory: (s, id) => s.loadHistory({ threadId: id }),
  readThread: (s, id) => s.readThread({ threadId: id }),
  listTurns: (s, id) => s.listTurns({ threadId: id }),
  listItems: (s, id) => s.listItems({ threadId: id }),
  updateThreadMetadata: (s, id) => s.updateThreadMetadata({ threadId: id, patch: { name: "x" } }),
  archiveThread: (s, id) => s.archiveThread({ threadId: id }),
  unarchiveThread: (s, id) => s.unarchiveThread({ threadId: id }),
  deleteThread: (s, id) => s.deleteThread({ threadId: id }),
};

const BAD_IDS = ["../x", "/abs/path", "not-a-uuid", ""];

/** Ids and params are validated before anything else, with typed errors naming the problem. */
export function requestValidationContract(harness: ThreadStoreHarness): void {
  describe("request validation", () => {
    const store = useStore(harness);

    for (const [method, call] of Object.entries(BY_ID)) {
      it(`${method} rejects a non-UUID thread id (path-like ids included) with InvalidRequestError`, async () => {
        for (const bad of BAD_IDS) await expectRejects(call(store(), bad), new InvalidRequestError(`invalid thread id: ${bad}`));
      });
    }

    it("listThreads rejects a page size outside 1..1000 with an error naming pageSize", async () => {
      for (const pageSize of [0, 1001, 1.5, -3]) {
        await expectRejectsWith(store().listThreads({ pageSize }), "invalid_request", "pageSize");
      }
    });

    it("listThreads accepts the page size bounds 1 and 1000", async () => {
      expect((await store().listThreads({ pageSize: 1 })).items).toEqual([]);
      expect((await store().listThreads({ pageSize: 1000 })).items).toEqual([]);
    });

    it("listThreads rejects an unknown sort key with an error naming sortKey", async () => {
      await expectRejectsWith(store().listThreads({ sortKey: "name" as never }), "invalid_request", "sortKey");
    });

    it("listThreads rejects an unknown sort direction with an error naming sortDirection", async () => {
      await expectRejectsWith(store().listThreads({ sortDirection: "up" as never }), "invalid_request", "sortDirection");
    });

    it("listTurns and listItems reject a page size outside 1..1000", async () => {
      const thread = await seedThread(store());
      await expectRejectsWith(store().listTurns({ threadId: thread.threadId, pageSize: 0 }), "invalid_request", "pageSize");
      await expectRejectsWith(store().listItems({ threadId: thread.threadId, pageSize: 5000 }), "invalid_request", "pageSize");
    });

    it("updateThreadMetadata rejects a field of the wrong type, naming the field", async () => {
      const thread = await seedThread(store());
      await expectRejectsWith(
        store().updateThreadMetadata({ threadId: thread.threadId, patch: { name: 42 } as never }),
        "invalid_request",
        "name",
      );
    });

    it("updateThreadMetadata rejects an unknown patch field, naming it", async () => {
      const thread = await seedThread(store());
      await expectRejectsWith(
        store().updateThreadMetadata({ threadId: thread.threadId, patch: { nickname: "x" } as never }),
        "invalid_request",
        "nickname",
      );
    });

    it("updateThreadMetadata rejects a wrong nested gitInfo field, naming it", async () => {
      const thread = await seedThread(store());
      await expectRejectsWith(
        store().updateThreadMetadata({ threadId: thread.threadId, patch: { gitInfo: { branch: 7 } } as never }),
        "invalid_request",
        "gitInfo.branch",
      );
    });

    it("a rejected patch changes nothing", async () => {
      const thread = await seedThread(store(), { patch: { name: "before" } });
      await rejectsQuietly(store().updateThreadMetadata({ threadId: thread.threadId, patch: { name: "after", bogus: true } as never }));
      expect((await store().readThread({ threadId: thread.threadId })).name).toBe("before");
    });
  });
}

async function rejectsQuietly(action: Promise<unknown>): Promise<void> {
  await expect(action).rejects.toMatchObject({ code: "invalid_request" });
}
