import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { UnsupportedOperationError, InvalidRequestError, ThreadNotFoundError } from "../errors.js";
import { createParams, CWD_A, expectRejects, expectRejectsWith, NEVER_CREATED, seedThread, userTurn } from "./builders.js";
import { isUnsupported, useStore, type ThreadStoreHarness } from "./harness.js";

/** readThread, loadHistory and readThreadByRolloutPath. */
export function readThreadContract(harness: ThreadStoreHarness): void {
  describe("readThread and loadHistory", () => {
    const store = useStore(harness);

    it("readThread rejects an id that was never created with ThreadNotFoundError", async () => {
      await expectRejects(store().readThread({ threadId: NEVER_CREATED }), new ThreadNotFoundError(NEVER_CREATED));
    });

    it("loadHistory rejects an id that was never created with ThreadNotFoundError", async () => {
      await expectRejects(store().loadHistory({ threadId: NEVER_CREATED }), new ThreadNotFoundError(NEVER_CREATED));
    });

    it("readThread returns the summary of a persisted thread from its create params and patches", async () => {
      const thread = await seedThread(store(), {
        create: { source: "vscode", metadata: { cwd: CWD_A, modelProvider: "mock" } },
        messages: ["fix the flaky test"],
      });
      const read = await store().readThread({ threadId: thread.threadId });
      expect(read).toMatchObject({
        threadId: thread.threadId,
        preview: "fix the flaky test",
        firstUserMessage: "fix the flaky test",
        modelProvider: "mock",
        cwd: CWD_A,
        source: "vscode",
        archived: false,
        memoryMode: "enabled",
        historyMode: "legacy",
      });
      expect(read.history).toBeUndefined();
      expect(read.createdAt).toBeLessThanOrEqual(read.updatedAt);
    });

    it("readThread with includeHistory returns every line in order, each with a timestamp", async () => {
      const thread = await seedThread(store(), { messages: ["one", "two"] });
      const read = await store().readThread({ threadId: thread.threadId, includeHistory: true });
      const history = read.history ?? [];
      expect(history.map((l) => l.type)).toEqual(["session_meta", ...userTurn("one").map((i) => i.type), ...userTurn("two").map((i) => i.type)]);
      expect(history.every((l) => !Number.isNaN(Date.parse(l.timestamp)))).toBe(true);
      const messages = history.flatMap((l) => {
        const payload = l.payload as { type?: unknown; message?: unknown };
        return l.type === "event_msg" && payload.type === "user_message" ? [payload.message] : [];
      });
      expect(messages).toEqual(["one", "two"]);
    });

    it("loadHistory returns the same lines as readThread with includeHistory", async () => {
      const thread = await seedThread(store(), { messages: ["same"] });
      const loaded = await store().loadHistory({ threadId: thread.threadId });
      const read = await store().readThread({ threadId: thread.threadId, includeHistory: true });
      expect(loaded.threadId).toBe(thread.threadId);
      expect(loaded.items).toEqual(read.history);
    });

    it("history read back while the writer is live includes every flushed item", async () => {
      const thread = await seedThread(store(), { keepWriter: true, messages: ["first"] });
      await store().appendItems({ threadId: thread.threadId, items: userTurn("second") });
      await store().flushThread({ threadId: thread.threadId });
      const history = (await store().loadHistory({ threadId: thread.threadId })).items;
      expect(history).toHaveLength(1 + 2 * userTurn("x").length);
    });

    it("returned objects are copies: mutating them does not change the store", async () => {
      const thread = await seedThread(store(), { messages: ["pristine"] });
      const read = await store().readThread({ threadId: thread.threadId, includeHistory: true });
      read.preview = "mutated";
      (read.history![0]!.payload as { cwd: string }).cwd = "/mutated";
      const again = await store().readThread({ threadId: thread.threadId, includeHistory: true });
      expect(again.preview).toBe("pristine");
      expect((again.history![0]!.payload as { cwd: string }).cwd).toBe(CWD_A);
    });

    it("an archived thread is rejected without includeArchived as InvalidRequestError('thread <id> is archived')", async () => {
      const thread = await seedThread(store());
      await store().archiveThread({ threadId: thread.threadId });
      const expected = new InvalidRequestError(`thread ${thread.threadId} is archived`);
      await expectRejects(store().readThread({ threadId: thread.threadId }), expected);
      await expectRejects(store().loadHistory({ threadId: thread.threadId }), expected);
    });

    it("an archived thread is readable, history included, with includeArchived", async () => {
      const thread = await seedThread(store(), { messages: ["archived but kept"] });
      await store().archiveThread({ threadId: thread.threadId });
      const read = await store().readThread({ threadId: thread.threadId, includeArchived: true, includeHistory: true });
      expect(read.archived).toBe(true);
      expect(read.archivedAt).toBeTypeOf("number");
      expect(read.history?.length).toBe(1 + userTurn("x").length);
      const loaded = await store().loadHistory({ threadId: thread.threadId, includeArchived: true });
      expect(loaded.items).toEqual(read.history);
    });
  });

  describe("readThreadByRolloutPath", () => {
    const store = useStore(harness);

    if (isUnsupported(harness, "readThreadByRolloutPath")) {
      it("is declared unsupported and rejects with UnsupportedOperationError", async () => {
        const error = await store().readThreadByRolloutPath({ rolloutPath: "/nowhere.jsonl" }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: new UnsupportedOperationError("x").code });
      });
      return;
    }

    it("rejects a path that holds no thread with InvalidRequestError", async () => {
      const missing = join(tmpdir(), "skein-conformance-missing", "rollout-2026-01-01T00-00-00-01900000-0000-7000-8000-000000000000.jsonl");
      await expectRejectsWith(store().readThreadByRolloutPath({ rolloutPath: missing }), "invalid_request");
    });

    if (harness.capabilities?.rolloutPaths) {
      it("reads the thread, history included, at the rolloutPath readThread reports", async () => {
        const thread = await seedThread(store(), { messages: ["by path"] });
        const read = await store().readThread({ threadId: thread.threadId });
        expect(read.rolloutPath).toBeTypeOf("string");
        const byPath = await store().readThreadByRolloutPath({ rolloutPath: read.rolloutPath!, includeHistory: true });
        expect(byPath.threadId).toBe(thread.threadId);
        expect(byPath.history).toEqual((await store().loadHistory({ threadId: thread.threadId })).items);
      });
    } else {
      it("reports no rolloutPath for a thread (the harness declares no rollout paths)", async () => {
        const params = createParams();
        await store().createThread(params);
        await store().persistThread({ threadId: params.threadId });
        expect((await store().readThread({ threadId: params.threadId })).rolloutPath).toBeUndefined();
      });
    }
  });
}
