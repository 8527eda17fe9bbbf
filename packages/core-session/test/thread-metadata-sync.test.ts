import { newThreadId } from "@skein/protocol";
import { describe, expect, it } from "vitest";
import { ThreadMetadataSync } from "../src/index.js";
import { manualClock } from "./fixtures/clock.js";
import { agentMessage, assistantOutput, goalUpdated, paginatedUserMessage, sessionMeta, taskStarted, tokenCount, turnContext, userMessage } from "./fixtures/items.js";

const WINDOW = 50;

function created(clock = manualClock()) {
  const id = newThreadId();
  const sync = ThreadMetadataSync.forCreate(id, { modelProvider: "openai", source: "cli", cwd: "/work", cliVersion: "0.1.0" }, { now: clock.now, touchCoalesceMs: WINDOW });
  return { id, sync, clock };
}

/** Sends whatever is returned, as LiveThread does on success. */
function apply(sync: ThreadMetadataSync, update: ReturnType<ThreadMetadataSync["observeAppendedItems"]>) {
  if (update) sync.markApplied(update);
  return update?.patch;
}

describe("ThreadMetadataSync", () => {
  describe("forCreate", () => {
    it("defers the create patch until the first append", () => {
      const { sync } = created();
      expect(sync.deferred).toBe(true);
      expect(sync.takePendingForExistingHistory()).toBeUndefined();
    });

    it("sends the create facts with the first append", () => {
      const { sync, clock } = created();
      const patch = apply(sync, sync.observeAppendedItems([userMessage("hello")]));
      expect(patch).toEqual({
        modelProvider: "openai",
        createdAt: clock.now(),
        updatedAt: clock.now(),
        source: "cli",
        cwd: "/work",
        cliVersion: "0.1.0",
        firstUserMessage: "hello",
        preview: "hello",
        title: "hello",
      });
      expect(sync.takePending()).toBeUndefined();
    });
  });

  describe("forResume", () => {
    it("keeps derived metadata pending until it is applied, without an updatedAt", () => {
      const id = newThreadId();
      const sync = ThreadMetadataSync.forResume(id, [sessionMeta(id), userMessage("first")]);
      const taken = sync.takePending();
      expect(taken?.patch.createdAt).toBe(Date.parse("2026-01-02T03:04:05.678Z"));
      expect(taken?.patch.updatedAt).toBeUndefined();
      expect(sync.takePending()).toEqual(taken);
      sync.markApplied(taken!);
      expect(sync.takePending()).toBeUndefined();
    });

    it("waits for an append before flushing metadata", () => {
      const id = newThreadId();
      const clock = manualClock();
      const sync = ThreadMetadataSync.forResume(id, [sessionMeta(id), userMessage("first")], { now: clock.now });
      expect(sync.takePendingForExistingHistory()).toBeUndefined();
      const patch = apply(sync, sync.observeAppendedItems([agentMessage("ok")]));
      expect(patch).toMatchObject({ createdAt: Date.parse("2026-01-02T03:04:05.678Z"), preview: "first", updatedAt: clock.now() });
    });

    it("does not re-emit first-message facts that the history already has", () => {
      const id = newThreadId();
      const sync = ThreadMetadataSync.forResume(id, [sessionMeta(id), userMessage("first")]);
      sync.markApplied(sync.takePending()!);
      const patch = apply(sync, sync.observeAppendedItems([userMessage("second")]));
      expect(Object.keys(patch!).sort()).toEqual(["updatedAt"]);
    });

    it("ignores a fork's embedded session_meta of another thread", () => {
      const id = newThreadId();
      const other = newThreadId();
      const sync = ThreadMetadataSync.forResume(id, [sessionMeta(id, { cwd: "/mine" }), sessionMeta(other, { cwd: "/theirs", timestamp: "2020-01-01T00:00:00.000Z" })]);
      expect(sync.takePending()?.patch).toMatchObject({ cwd: "/mine", createdAt: Date.parse("2026-01-02T03:04:05.678Z") });
    });

    it("reads a file-name style timestamp as UTC", () => {
      const id = newThreadId();
      const sync = ThreadMetadataSync.forResume(id, [sessionMeta(id, { timestamp: "2025-01-03T12-00-00" })]);
      expect(sync.takePending()?.patch.createdAt).toBe(Date.UTC(2025, 0, 3, 12, 0, 0));
    });
  });

  describe("observeAppendedItems", () => {
    it("sets the preview from a goal and a later user message does not override it", () => {
      const { sync } = created();
      expect(apply(sync, sync.observeAppendedItems([goalUpdated("  ship it  ")]))?.preview).toBe("ship it");
      const patch = apply(sync, sync.observeAppendedItems([userMessage("hello")]));
      expect(patch?.preview).toBeUndefined();
      expect(patch).toMatchObject({ firstUserMessage: "hello", title: "hello" });
    });

    it("emits only a touch for later user messages", () => {
      const { sync, clock } = created();
      apply(sync, sync.observeAppendedItems([userMessage("first")]));
      clock.advance(WINDOW + 1);
      expect(apply(sync, sync.observeAppendedItems([userMessage("second")]))).toEqual({ updatedAt: clock.now() });
    });

    it("coalesces touches of metadata-irrelevant items within the window", () => {
      const { sync, clock } = created();
      apply(sync, sync.observeAppendedItems([userMessage("first")]));
      clock.advance(10);
      expect(sync.observeAppendedItems([agentMessage("a")])).toBeUndefined();
      expect(sync.takePending()?.patch).toEqual({ updatedAt: clock.now() });
      clock.advance(WINDOW);
      expect(apply(sync, sync.observeAppendedItems([agentMessage("b")]))).toEqual({ updatedAt: clock.now() });
    });

    it("sends the create facts with a first append of output only", () => {
      const { sync, clock } = created();
      clock.advance(5);
      expect(apply(sync, sync.observeAppendedItems([assistantOutput("hi")]))).toEqual({
        modelProvider: "openai",
        createdAt: clock.now() - 5,
        updatedAt: clock.now(),
        source: "cli",
        cwd: "/work",
        cliVersion: "0.1.0",
      });
    });

    it("coalesces touches of response items within the window and sends the last one after it", () => {
      const { sync, clock } = created();
      apply(sync, sync.observeAppendedItems([userMessage("first")]));
      for (let i = 0; i < 5; i++) {
        clock.advance(WINDOW / 10);
        expect(sync.observeAppendedItems([assistantOutput(`chunk ${i}`)])).toBeUndefined();
      }
      expect(sync.takePending()?.patch).toEqual({ updatedAt: clock.now() });
      clock.advance(WINDOW);
      expect(apply(sync, sync.observeAppendedItems([assistantOutput("late")]))).toEqual({ updatedAt: clock.now() });
    });

    it("leaves a patch copy that was handed out unchanged by later touches", () => {
      const { sync, clock } = created();
      apply(sync, sync.observeAppendedItems([userMessage("first")]));
      clock.advance(1);
      sync.observeAppendedItems([assistantOutput("a")]);
      const taken = sync.takePending()!;
      const takenAt = clock.now();
      clock.advance(1);
      sync.observeAppendedItems([assistantOutput("b")]);
      expect(taken.patch).toEqual({ updatedAt: takenAt });
      sync.markApplied(taken);
      expect(sync.takePending()?.patch).toEqual({ updatedAt: clock.now() });
    });

    it("never coalesces an item that affects metadata", () => {
      const { sync, clock } = created();
      apply(sync, sync.observeAppendedItems([userMessage("first")]));
      clock.advance(1);
      expect(apply(sync, sync.observeAppendedItems([tokenCount(42)]))).toEqual({ updatedAt: clock.now(), tokenUsage: { totalTokens: 42, inputTokens: 41, cachedInputTokens: 0, outputTokens: 1, reasoningOutputTokens: 0 } });
    });

    it("advances recency on a turn start but not on output", () => {
      const { sync, clock } = created();
      apply(sync, sync.observeAppendedItems([userMessage("first")]));
      clock.advance(WINDOW + 1);
      expect(apply(sync, sync.observeAppendedItems([taskStarted()]))).toEqual({ updatedAt: clock.now(), advanceRecencyAt: clock.now() });
      clock.advance(WINDOW + 1);
      expect(apply(sync, sync.observeAppendedItems([agentMessage("out")]))).toEqual({ updatedAt: clock.now() });
    });

    it("re-emits turn settings on every turn and the cwd only once", () => {
      const { sync } = created();
      const first = apply(sync, sync.observeAppendedItems([turnContext({ cwd: "/elsewhere" })]));
      expect(first).toMatchObject({ model: "gpt-5", reasoningEffort: "high", approvalMode: "never", permissionProfile: { type: "read-only" }, cwd: "/work" });
      const second = apply(sync, sync.observeAppendedItems([turnContext({ model: "gpt-6", cwd: "/other" })]));
      expect(second?.model).toBe("gpt-6");
      expect(second?.cwd).toBeUndefined();
    });

    it("uses [Image] for an image-only first message and derives a display name from later text", () => {
      const { sync } = created();
      const first = apply(sync, sync.observeAppendedItems([userMessage("", ["data:image/png;base64,AA"])]));
      expect(first).toMatchObject({ preview: "[Image]", firstUserMessage: "[Image]" });
      expect(first?.title).toBeUndefined();
      const second = apply(sync, sync.observeAppendedItems([userMessage("what is in this picture")]));
      expect(second).toMatchObject({ title: "what is in this picture", name: "what is in this picture" });
    });

    it("reads paginated item_completed user messages", () => {
      const { sync } = created();
      expect(apply(sync, sync.observeAppendedItems([paginatedUserMessage("paged hello")]))).toMatchObject({ preview: "paged hello", title: "paged hello" });
    });

    it.each([
      ["an explicit name", "mine"],
      ["a cleared name", null],
    ])("never derives a display name after %s", (_label, name) => {
      const { sync } = created();
      apply(sync, sync.observeAppendedItems([userMessage("", ["img"])]));
      sync.observeExplicitPatch({ name });
      const patch = apply(sync, sync.observeAppendedItems([userMessage("text after the image")]));
      expect(patch?.title).toBe("text after the image");
      expect(patch && "name" in patch).toBe(false);
    });

    it("does not derive a display name while replaying history on resume", () => {
      const id = newThreadId();
      const sync = ThreadMetadataSync.forResume(id, [sessionMeta(id), userMessage("", ["img"]), userMessage("named back then")]);
      expect(sync.takePending()?.patch.name).toBeUndefined();
      expect(sync.mayDeriveDisplayName).toBe(false);
    });
  });

  describe("markApplied", () => {
    it("keeps a patch that changed after the copy was taken", () => {
      const { sync, clock } = created();
      const update = sync.observeAppendedItems([userMessage("first")])!;
      clock.advance(1);
      sync.observeAppendedItems([tokenCount(7)]);
      sync.markApplied(update);
      expect(sync.takePending()?.patch).toMatchObject({ tokenUsage: { totalTokens: 7 }, preview: "first" });
    });
  });
});
