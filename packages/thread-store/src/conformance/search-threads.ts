import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors.js";
import { expectRejects, expectRejectsWith, seedThread, tamper } from "./builders.js";
import { isUnsupported, useStore, type ThreadStoreHarness } from "./harness.js";

/** searchThreads: hits with marked snippets; the term is always plain text. */
export function searchThreadsContract(harness: ThreadStoreHarness): void {
  describe("searchThreads", () => {
    const store = useStore(harness);

    if (isUnsupported(harness, "searchThreads")) {
      it("is declared unsupported and rejects with UnsupportedOperationError", async () => {
        await expectRejectsWith(store().searchThreads({ searchTerm: "x" }), "unsupported");
      });
      return;
    }

    it("returns the matching threads with a snippet that marks the match [...]", async () => {
      const hit = await seedThread(store(), { messages: ["please refactor the payment gateway module"] });
      await seedThread(store(), { messages: ["write release notes"] });
      const page = await store().searchThreads({ searchTerm: "gateway" });
      expect(page.items.map((h) => h.thread.threadId)).toEqual([hit.threadId]);
      expect(page.items[0]!.snippet).toContain("[gateway]");
    });

    it("matches case-insensitively and marks the text as written", async () => {
      await seedThread(store(), { messages: ["Investigate the FlakyTest in CI"] });
      const page = await store().searchThreads({ searchTerm: "flakytest" });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]!.snippet).toContain("[FlakyTest]");
    });

    it("returns hits whose summary equals readThread's", async () => {
      const thread = await seedThread(store(), { messages: ["needle in a haystack"], patch: { name: "Named" } });
      const [hit] = (await store().searchThreads({ searchTerm: "needle" })).items;
      expect(hit?.thread).toEqual(await store().readThread({ threadId: thread.threadId }));
    });

    it("rejects an empty or blank search term with InvalidRequestError", async () => {
      await expectRejects(store().searchThreads({ searchTerm: "" }), new InvalidRequestError("searchThreads requires a searchTerm"));
      await expectRejects(store().searchThreads({ searchTerm: "   " }), new InvalidRequestError("searchThreads requires a searchTerm"));
    });

    it("treats FTS, LIKE and SQL syntax in the term as plain text", async () => {
      const literal = await seedThread(store(), { messages: ["grep for 100%_done OR \"quoted\" * here"] });
      await seedThread(store(), { messages: ["an ordinary thread about done things"] });
      for (const term of ["100%_done", "OR \"quoted\" *", "'; DROP TABLE threads; --", "NEAR(a b)", "\"unbalanced", "a*", "%"]) {
        const ids = (await store().searchThreads({ searchTerm: term })).items.map((h) => h.thread.threadId);
        const expected = ["100%_done", "OR \"quoted\" *", "%"].includes(term) ? [literal.threadId] : [];
        expect({ term, ids }).toEqual({ term, ids: expected });
      }
    });

    it("searches the active collection unless archived is set", async () => {
      const thread = await seedThread(store(), { messages: ["archived needle"] });
      await store().archiveThread({ threadId: thread.threadId });
      expect((await store().searchThreads({ searchTerm: "needle" })).items).toEqual([]);
      const archived = await store().searchThreads({ searchTerm: "needle", archived: true });
      expect(archived.items.map((h) => h.thread.threadId)).toEqual([thread.threadId]);
    });

    it("pages through every hit exactly once", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await seedThread(store(), { messages: [`paged needle ${i}`] })).threadId);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store().searchThreads({ searchTerm: "needle", pageSize: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((h) => h.thread.threadId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual(ids.sort());
    });

    it("rejects a tampered cursor or one from another term with InvalidRequestError", async () => {
      for (let i = 0; i < 3; i++) await seedThread(store(), { messages: [`cursor needle ${i}`] });
      const { nextCursor } = await store().searchThreads({ searchTerm: "needle", pageSize: 1 });
      await expectRejectsWith(store().searchThreads({ searchTerm: "needle", pageSize: 1, cursor: tamper(nextCursor!) }), "invalid_request", "invalid cursor: ");
      await expectRejectsWith(store().searchThreads({ searchTerm: "cursor", pageSize: 1, cursor: nextCursor! }), "invalid_request", "invalid cursor: ");
    });
  });
}
