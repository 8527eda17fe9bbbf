import { describe, expect, it } from "vitest";
import { newThreadId, type StoredThread } from "@skein/protocol";
import type { ThreadSortKey, SortDirection } from "../types.js";
import { createParams, CWD_A, CWD_B, expectRejectsWith, listAllIds, seedThread, tamper } from "./builders.js";
import { useStore, type ThreadStoreHarness } from "./harness.js";

const BASE = Date.UTC(2025, 5, 1);
const HOUR = 3_600_000;

/** listThreads: listability, order, keyset pages, cursors and filters. */
export function listThreadsContract(harness: ThreadStoreHarness): void {
  describe("listThreads", () => {
    const store = useStore(harness);

    /** Four threads whose created, updated and recency orders all differ. */
    async function seedOrdered(): Promise<StoredThread[]> {
      const recencyBase = Date.now() + 10 * HOUR;
      const plan = [
        { created: 1, updated: 3, recency: 2 },
        { created: 2, updated: 1, recency: 4 },
        { created: 3, updated: 4, recency: 1 },
        { created: 4, updated: 2, recency: 3 },
      ];
      const threads: StoredThread[] = [];
      for (const [i, p] of plan.entries()) {
        threads.push(
          await seedThread(store(), {
            messages: [`ordered thread ${i}`],
            patch: { createdAt: BASE + p.created * HOUR, updatedAt: BASE + p.updated * HOUR, advanceRecencyAt: recencyBase + p.recency * HOUR },
          }),
        );
      }
      return threads;
    }

    it("lists only threads with a non-empty preview", async () => {
      const listed = await seedThread(store(), { messages: ["visible"] });
      const params = createParams();
      await store().createThread(params);
      await store().persistThread({ threadId: params.threadId });
      await store().shutdownThread({ threadId: params.threadId });
      expect((await store().listThreads({})).items.map((t) => t.threadId)).toEqual([listed.threadId]);
    });

    it("returns summaries equal to readThread's", async () => {
      const thread = await seedThread(store(), { patch: { name: "Listed name", model: "gpt-5" } });
      const [listed] = (await store().listThreads({})).items;
      expect(listed).toEqual(await store().readThread({ threadId: thread.threadId }));
    });

    it("sorts by creation time, newest first, by default", async () => {
      const [t0, t1, t2, t3] = await seedOrdered();
      const ids = (await store().listThreads({})).items.map((t) => t.threadId);
      expect(ids).toEqual([t3!.threadId, t2!.threadId, t1!.threadId, t0!.threadId]);
    });

    const ORDERS: [ThreadSortKey, SortDirection, number[]][] = [
      ["created", "asc", [0, 1, 2, 3]],
      ["created", "desc", [3, 2, 1, 0]],
      ["updated", "asc", [1, 3, 0, 2]],
      ["updated", "desc", [2, 0, 3, 1]],
      ["recency", "asc", [2, 0, 3, 1]],
      ["recency", "desc", [1, 3, 0, 2]],
    ];
    for (const [sortKey, sortDirection, order] of ORDERS) {
      it(`sorts by ${sortKey} ${sortDirection}`, async () => {
        const threads = await seedOrdered();
        const ids = (await store().listThreads({ sortKey, sortDirection })).items.map((t) => t.threadId);
        expect(ids).toEqual(order.map((i) => threads[i]!.threadId));
      });
    }

    it("breaks ties on the sort key by thread id, in the sort direction", async () => {
      const threads: StoredThread[] = [];
      for (let i = 0; i < 3; i++) threads.push(await seedThread(store(), { patch: { createdAt: BASE } }));
      const ascending = threads.map((t) => t.threadId).sort();
      expect((await store().listThreads({ sortDirection: "asc" })).items.map((t) => t.threadId)).toEqual(ascending);
      expect((await store().listThreads({ sortDirection: "desc" })).items.map((t) => t.threadId)).toEqual([...ascending].reverse());
    });

    it("pages through every thread exactly once, in order", async () => {
      const threads: StoredThread[] = [];
      for (let i = 0; i < 7; i++) threads.push(await seedThread(store(), { patch: { createdAt: BASE + i * HOUR } }));
      const ids = await listAllIds(store(), { pageSize: 2, sortDirection: "asc" });
      expect(ids).toEqual(threads.map((t) => t.threadId));
    });

    it("returns no cursor on the last page", async () => {
      await seedThread(store());
      await seedThread(store());
      const page = await store().listThreads({ pageSize: 2 });
      expect(page.items).toHaveLength(2);
      expect(page.nextCursor).toBeUndefined();
    });

    it("never repeats or skips a thread when threads are created between pages", async () => {
      const originals: StoredThread[] = [];
      for (let i = 0; i < 6; i++) originals.push(await seedThread(store(), { patch: { createdAt: BASE + i * HOUR } }));
      const seen: string[] = [];
      let page = await store().listThreads({ pageSize: 2 });
      for (let round = 0; ; round++) {
        seen.push(...page.items.map((t) => t.threadId));
        if (!page.nextCursor) break;
        // A newer thread (sorts before the walk's position) and one with the same time as a
        // thread already seen: neither may make the walk repeat or lose an original thread.
        await seedThread(store(), { patch: { createdAt: BASE + 100 * HOUR + round } });
        await seedThread(store(), { patch: { createdAt: BASE + 5 * HOUR } });
        page = await store().listThreads({ pageSize: 2, cursor: page.nextCursor });
      }
      expect(new Set(seen).size).toBe(seen.length);
      for (const thread of originals) expect(seen).toContain(thread.threadId);
    });

    it("rejects a tampered cursor with InvalidRequestError('invalid cursor: …')", async () => {
      for (let i = 0; i < 3; i++) await seedThread(store());
      const { nextCursor } = await store().listThreads({ pageSize: 1 });
      expect(nextCursor).toBeTypeOf("string");
      await expectRejectsWith(store().listThreads({ pageSize: 1, cursor: tamper(nextCursor!) }), "invalid_request", "invalid cursor: ");
      await expectRejectsWith(store().listThreads({ pageSize: 1, cursor: "not-a-cursor" }), "invalid_request", "invalid cursor: ");
    });

    it("rejects a cursor from a query with another sort with InvalidRequestError", async () => {
      for (let i = 0; i < 3; i++) await seedThread(store());
      const { nextCursor } = await store().listThreads({ pageSize: 1, sortKey: "created" });
      await expectRejectsWith(store().listThreads({ pageSize: 1, sortKey: "updated", cursor: nextCursor! }), "invalid_request", "invalid cursor: ");
      await expectRejectsWith(store().listThreads({ pageSize: 1, sortDirection: "asc", cursor: nextCursor! }), "invalid_request", "invalid cursor: ");
    });

    it("rejects a cursor from a query with other filters with InvalidRequestError", async () => {
      for (let i = 0; i < 3; i++) await seedThread(store());
      const { nextCursor } = await store().listThreads({ pageSize: 1 });
      await expectRejectsWith(store().listThreads({ pageSize: 1, archived: true, cursor: nextCursor! }), "invalid_request", "invalid cursor: ");
      await expectRejectsWith(store().listThreads({ pageSize: 1, modelProviders: ["openai"], cursor: nextCursor! }), "invalid_request", "invalid cursor: ");
    });

    it("accepts a cursor with a different page size", async () => {
      const threads: StoredThread[] = [];
      for (let i = 0; i < 4; i++) threads.push(await seedThread(store(), { patch: { createdAt: BASE + i * HOUR } }));
      const first = await store().listThreads({ pageSize: 1, sortDirection: "asc" });
      const rest = await store().listThreads({ pageSize: 3, sortDirection: "asc", cursor: first.nextCursor! });
      expect([...first.items, ...rest.items].map((t) => t.threadId)).toEqual(threads.map((t) => t.threadId));
    });

    it("filters by source, compared by source key (object sources included)", async () => {
      const cli = await seedThread(store(), { create: { source: "cli" } });
      await seedThread(store(), { create: { source: "exec" } });
      const atlas = await seedThread(store(), { create: { source: { custom: "atlas" } } });
      const ids = (await store().listThreads({ sources: ["cli", "atlas"], sortDirection: "asc" })).items.map((t) => t.threadId);
      expect(ids.sort()).toEqual([cli.threadId, atlas.threadId].sort());
    });

    it("treats an empty sources list as no filter", async () => {
      await seedThread(store(), { create: { source: "cli" } });
      await seedThread(store(), { create: { source: "exec" } });
      expect((await store().listThreads({ sources: [] })).items).toHaveLength(2);
    });

    it("filters by model provider", async () => {
      const openai = await seedThread(store(), { create: { metadata: { cwd: CWD_A, modelProvider: "openai" } } });
      await seedThread(store(), { create: { metadata: { cwd: CWD_A, modelProvider: "ollama" } } });
      const ids = (await store().listThreads({ modelProviders: ["openai"] })).items.map((t) => t.threadId);
      expect(ids).toEqual([openai.threadId]);
    });

    it("filters by cwd", async () => {
      await seedThread(store(), { create: { metadata: { cwd: CWD_A, modelProvider: "openai" } } });
      const b = await seedThread(store(), { create: { metadata: { cwd: CWD_B, modelProvider: "openai" } } });
      expect((await store().listThreads({ cwdFilters: [CWD_B] })).items.map((t) => t.threadId)).toEqual([b.threadId]);
    });

    it("an empty cwdFilters list matches nothing", async () => {
      await seedThread(store());
      expect(await store().listThreads({ cwdFilters: [] })).toEqual({ items: [] });
    });

    it("filters by search term: a case-insensitive substring of name, title or preview", async () => {
      const byName = await seedThread(store(), { messages: ["unrelated one"], patch: { name: "Quarterly REPORT" } });
      const byTitle = await seedThread(store(), { messages: ["unrelated two"], patch: { title: "draft the report" } });
      const byPreview = await seedThread(store(), { messages: ["summarize report.md"] });
      await seedThread(store(), { messages: ["nothing to see"] });
      const ids = (await store().listThreads({ searchTerm: "RePoRt" })).items.map((t) => t.threadId);
      expect(ids.sort()).toEqual([byName.threadId, byTitle.threadId, byPreview.threadId].sort());
    });

    it("filters by parent thread id", async () => {
      const parent = await seedThread(store());
      const child = await seedThread(store(), { create: { parentThreadId: parent.threadId, source: { subagent: "review" } } });
      await seedThread(store(), { create: { parentThreadId: newThreadId() } });
      const ids = (await store().listThreads({ parentThreadId: parent.threadId })).items.map((t) => t.threadId);
      expect(ids).toEqual([child.threadId]);
    });

    it("lists the archived collection instead of the active one with archived: true", async () => {
      const active = await seedThread(store());
      const archived = await seedThread(store());
      await store().archiveThread({ threadId: archived.threadId });
      expect((await store().listThreads({})).items.map((t) => t.threadId)).toEqual([active.threadId]);
      const listed = (await store().listThreads({ archived: true })).items;
      expect(listed.map((t) => t.threadId)).toEqual([archived.threadId]);
      expect(listed[0]!.archived).toBe(true);
    });
  });
}
