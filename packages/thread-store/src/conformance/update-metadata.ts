import { describe, expect, it } from "vitest";
import { ThreadNotFoundError } from "../errors.js";
import { createParams, expectRejects, NEVER_CREATED, seedThread } from "./builders.js";
import { useStore, type ThreadStoreHarness } from "./harness.js";

const HOUR = 3_600_000;

/** updateThreadMetadata: the one literal patch. */
export function updateMetadataContract(harness: ThreadStoreHarness): void {
  describe("updateThreadMetadata", () => {
    const store = useStore(harness);

    it("sets a field and returns the updated thread", async () => {
      const thread = await seedThread(store());
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { name: "Release prep" } });
      expect(updated.threadId).toBe(thread.threadId);
      expect(updated.name).toBe("Release prep");
    });

    it("returns exactly what a later readThread returns", async () => {
      const thread = await seedThread(store());
      const updated = await store().updateThreadMetadata({
        threadId: thread.threadId,
        patch: { name: "n", title: "t", model: "gpt-5", reasoningEffort: "high", approvalMode: "never", gitInfo: { sha: "abc123" } },
      });
      expect(await store().readThread({ threadId: thread.threadId })).toEqual(updated);
    });

    it("leaves absent fields unchanged", async () => {
      const thread = await seedThread(store(), { patch: { name: "Keep me", model: "gpt-5" } });
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { title: "Derived title" } });
      expect(updated).toMatchObject({ name: "Keep me", model: "gpt-5", title: "Derived title" });
    });

    it("clears a clearable field given null", async () => {
      const thread = await seedThread(store(), { patch: { name: "Temporary", agentNickname: "scout" } });
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { name: null, agentNickname: null } });
      expect(updated.name).toBeUndefined();
      expect(updated.agentNickname).toBeUndefined();
      expect((await store().readThread({ threadId: thread.threadId })).name).toBeUndefined();
    });

    it("returns the thread unchanged for an empty patch", async () => {
      const thread = await seedThread(store(), { patch: { name: "Same" } });
      const before = await store().readThread({ threadId: thread.threadId });
      expect(await store().updateThreadMetadata({ threadId: thread.threadId, patch: {} })).toEqual(before);
    });

    it("merges gitInfo per field: absent keeps, null clears, a value sets", async () => {
      const thread = await seedThread(store(), { patch: { gitInfo: { sha: "aaa111", branch: "main", originUrl: "https://example.com/r.git" } } });
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { gitInfo: { branch: "feature", originUrl: null } } });
      expect(updated.gitInfo).toEqual({ sha: "aaa111", branch: "feature" });
    });

    it("never lets title or preview overwrite the user-set name", async () => {
      const thread = await seedThread(store(), { patch: { name: "My name" } });
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { title: "A derived title", preview: "A new preview" } });
      expect(updated).toMatchObject({ name: "My name", title: "A derived title", preview: "A new preview" });
    });

    it("returns an explicit preview exactly, over any preview the store derived", async () => {
      const thread = await seedThread(store(), { messages: ["the first message"] });
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { preview: "  Explicit preview, kept verbatim  " } });
      expect(updated.preview).toBe("  Explicit preview, kept verbatim  ");
    });

    it("sets updatedAt and createdAt from the patch", async () => {
      const thread = await seedThread(store());
      const createdAt = Date.UTC(2025, 0, 2, 3, 4, 5, 6);
      const updatedAt = createdAt + 5 * HOUR;
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { createdAt, updatedAt } });
      expect({ createdAt: updated.createdAt, updatedAt: updated.updatedAt }).toEqual({ createdAt, updatedAt });
    });

    it("advanceRecencyAt moves recencyAt forward", async () => {
      const thread = await seedThread(store());
      const later = thread.recencyAt + HOUR;
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { advanceRecencyAt: later } });
      expect(updated.recencyAt).toBe(later);
    });

    it("advanceRecencyAt never moves recencyAt backwards", async () => {
      const thread = await seedThread(store());
      const later = thread.recencyAt + HOUR;
      await store().updateThreadMetadata({ threadId: thread.threadId, patch: { advanceRecencyAt: later } });
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { advanceRecencyAt: later - 2 * HOUR } });
      expect(updated.recencyAt).toBe(later);
    });

    it("advanceRecencyAt does not change updatedAt", async () => {
      const thread = await seedThread(store());
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { advanceRecencyAt: thread.recencyAt + HOUR } });
      expect(updated.updatedAt).toBe(thread.updatedAt);
    });

    it("sets token usage, memory mode, model and reasoning effort", async () => {
      const thread = await seedThread(store());
      const updated = await store().updateThreadMetadata({
        threadId: thread.threadId,
        patch: { tokenUsage: { totalTokens: 1234 }, memoryMode: "disabled", model: "gpt-5.1-codex", reasoningEffort: "medium" },
      });
      expect(updated).toMatchObject({ tokensUsed: 1234, memoryMode: "disabled", model: "gpt-5.1-codex", reasoningEffort: "medium" });
    });

    it("applies a later patch over an earlier one (last write wins per field)", async () => {
      const thread = await seedThread(store());
      await store().updateThreadMetadata({ threadId: thread.threadId, patch: { name: "first", model: "m1" } });
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { name: "second" } });
      expect(updated).toMatchObject({ name: "second", model: "m1" });
    });

    it("keeps an archived thread archived", async () => {
      const thread = await seedThread(store());
      await store().archiveThread({ threadId: thread.threadId });
      const updated = await store().updateThreadMetadata({ threadId: thread.threadId, patch: { name: "Archived name" }, includeArchived: true });
      expect(updated).toMatchObject({ archived: true, name: "Archived name" });
      expect((await store().listThreads({ archived: true })).items.map((t) => t.threadId)).toEqual([thread.threadId]);
    });

    it("rejects an unknown thread with ThreadNotFoundError", async () => {
      await expectRejects(store().updateThreadMetadata({ threadId: NEVER_CREATED, patch: { name: "x" } }), new ThreadNotFoundError(NEVER_CREATED));
    });

    it("rejects a created but never persisted thread with ThreadNotFoundError (it never invents a thread)", async () => {
      const params = createParams();
      await store().createThread(params);
      await expectRejects(store().updateThreadMetadata({ threadId: params.threadId, patch: { name: "x" } }), new ThreadNotFoundError(params.threadId));
      await expectRejects(store().readThread({ threadId: params.threadId }), new ThreadNotFoundError(params.threadId));
    });
  });
}
