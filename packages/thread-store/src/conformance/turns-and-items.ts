import { describe, expect, it } from "vitest";
import { newThreadId } from "@skein/protocol";
import { InvalidRequestError, ThreadNotFoundError } from "../errors.js";
import { createParams, expectRejects, expectRejectsWith, NEVER_CREATED, tamper, userTurn } from "./builders.js";
import { useStore, type ThreadStoreHarness } from "./harness.js";
import type { ThreadStore } from "../thread-store.js";

const TURN_LINES = userTurn("x").length;

/** A thread with a completed, an aborted, then a still-running turn. Returns its id and turn ids. */
async function seedTurns(store: ThreadStore): Promise<{ threadId: string; turnIds: string[] }> {
  const params = createParams();
  const turnIds = [newThreadId(), newThreadId(), newThreadId()];
  await store.createThread(params);
  await store.persistThread({ threadId: params.threadId });
  await store.appendItems({ threadId: params.threadId, items: userTurn("done", { turnId: turnIds[0]! }) });
  await store.appendItems({ threadId: params.threadId, items: userTurn("stopped", { turnId: turnIds[1]!, end: "aborted" }) });
  await store.appendItems({ threadId: params.threadId, items: userTurn("running", { turnId: turnIds[2]!, end: "open" }) });
  await store.shutdownThread({ threadId: params.threadId });
  return { threadId: params.threadId, turnIds };
}

/** listTurns and listItems: turn segmentation and paging over a thread's history. */
export function turnsAndItemsContract(harness: ThreadStoreHarness): void {
  describe("listTurns", () => {
    const store = useStore(harness);

    it("segments history into turns with completed, interrupted and in_progress status", async () => {
      const { threadId, turnIds } = await seedTurns(store());
      const page = await store().listTurns({ threadId });
      expect(page.items.map(({ turnId, index, status }) => ({ turnId, index, status }))).toEqual([
        { turnId: turnIds[0], index: 0, status: "completed" },
        { turnId: turnIds[1], index: 1, status: "interrupted" },
        { turnId: turnIds[2], index: 2, status: "in_progress" },
      ]);
      expect(page.nextCursor).toBeUndefined();
    });

    it("reports startedAt for every turn and completedAt only for ended ones", async () => {
      const { threadId } = await seedTurns(store());
      const [done, stopped, running] = (await store().listTurns({ threadId })).items;
      expect(done!.startedAt).toBeTypeOf("number");
      expect(done!.completedAt).toBeGreaterThanOrEqual(done!.startedAt!);
      expect(stopped!.completedAt).toBeTypeOf("number");
      expect(running!.completedAt).toBeUndefined();
    });

    it("leaves turn items empty unless includeItems is set", async () => {
      const { threadId } = await seedTurns(store());
      const page = await store().listTurns({ threadId });
      expect(page.items.every((t) => t.items.length === 0)).toBe(true);
    });

    it("includes each turn's lines, start to end, with includeItems", async () => {
      const { threadId } = await seedTurns(store());
      const history = (await store().loadHistory({ threadId })).items;
      const turns = (await store().listTurns({ threadId, includeItems: true })).items;
      expect(turns[0]!.items).toEqual(history.slice(1, 1 + TURN_LINES));
      expect(turns[1]!.items).toEqual(history.slice(1 + TURN_LINES, 1 + 2 * TURN_LINES));
      expect(turns[2]!.items).toEqual(history.slice(1 + 2 * TURN_LINES));
    });

    it("pages forward and backward without overlap", async () => {
      const { threadId, turnIds } = await seedTurns(store());
      const forward: string[] = [];
      const backward: string[] = [];
      for (const [direction, out] of [["asc", forward], ["desc", backward]] as const) {
        let cursor: string | undefined;
        do {
          const page = await store().listTurns({ threadId, pageSize: 2, sortDirection: direction, ...(cursor ? { cursor } : {}) });
          out.push(...page.items.map((t) => t.turnId));
          cursor = page.nextCursor;
        } while (cursor);
      }
      expect(forward).toEqual(turnIds);
      expect(backward).toEqual([...turnIds].reverse());
    });

    it("rejects a cursor from the other direction or a tampered one with InvalidRequestError", async () => {
      const { threadId } = await seedTurns(store());
      const { nextCursor } = await store().listTurns({ threadId, pageSize: 1, sortDirection: "asc" });
      await expectRejectsWith(store().listTurns({ threadId, pageSize: 1, sortDirection: "desc", cursor: nextCursor! }), "invalid_request", "invalid cursor: ");
      await expectRejectsWith(store().listTurns({ threadId, pageSize: 1, cursor: tamper(nextCursor!) }), "invalid_request", "invalid cursor: ");
    });

    it("returns no turns for a thread with no turn yet", async () => {
      const params = createParams();
      await store().createThread(params);
      await store().persistThread({ threadId: params.threadId });
      expect(await store().listTurns({ threadId: params.threadId })).toEqual({ items: [] });
    });

    it("rejects an unknown thread with ThreadNotFoundError", async () => {
      await expectRejects(store().listTurns({ threadId: NEVER_CREATED }), new ThreadNotFoundError(NEVER_CREATED));
    });

    it("rejects an archived thread without includeArchived", async () => {
      const { threadId } = await seedTurns(store());
      await store().archiveThread({ threadId });
      await expectRejects(store().listTurns({ threadId }), new InvalidRequestError(`thread ${threadId} is archived`));
      expect((await store().listTurns({ threadId, includeArchived: true })).items).toHaveLength(3);
    });
  });

  describe("listItems", () => {
    const store = useStore(harness);

    it("lists every line with its 0-based position over the full history", async () => {
      const { threadId } = await seedTurns(store());
      const history = (await store().loadHistory({ threadId })).items;
      const page = await store().listItems({ threadId, pageSize: 1000 });
      expect(page.items.map((i) => i.position)).toEqual(history.map((_, i) => i));
      expect(page.items.map((i) => i.line)).toEqual(history);
    });

    it("gives lines outside any turn no turnId and lines inside their turn's id", async () => {
      const { threadId, turnIds } = await seedTurns(store());
      const items = (await store().listItems({ threadId, pageSize: 1000 })).items;
      expect(items[0]!.turnId).toBeUndefined();
      expect(items[1]!.turnId).toBe(turnIds[0]);
      expect(items.at(-1)!.turnId).toBe(turnIds[2]);
    });

    it("filters by turnId, keeping full-history positions", async () => {
      const { threadId, turnIds } = await seedTurns(store());
      const items = (await store().listItems({ threadId, turnId: turnIds[1]!, pageSize: 1000 })).items;
      expect(items.map((i) => i.position)).toEqual(Array.from({ length: TURN_LINES }, (_, i) => 1 + TURN_LINES + i));
      expect(items.every((i) => i.turnId === turnIds[1])).toBe(true);
    });

    it("pages forward and backward without overlap", async () => {
      const { threadId } = await seedTurns(store());
      const total = (await store().loadHistory({ threadId })).items.length;
      for (const direction of ["asc", "desc"] as const) {
        const positions: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await store().listItems({ threadId, pageSize: 4, sortDirection: direction, ...(cursor ? { cursor } : {}) });
          positions.push(...page.items.map((i) => i.position));
          cursor = page.nextCursor;
        } while (cursor);
        const expected = Array.from({ length: total }, (_, i) => i);
        expect(positions).toEqual(direction === "asc" ? expected : expected.reverse());
      }
    });

    it("keeps a forward walk exact while items are appended between pages", async () => {
      const params = createParams();
      await store().createThread(params);
      await store().persistThread({ threadId: params.threadId });
      await store().appendItems({ threadId: params.threadId, items: userTurn("first") });
      await store().flushThread({ threadId: params.threadId });
      const first = await store().listItems({ threadId: params.threadId, pageSize: 3 });
      await store().appendItems({ threadId: params.threadId, items: userTurn("second") });
      await store().flushThread({ threadId: params.threadId });
      const positions = first.items.map((i) => i.position);
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await store().listItems({ threadId: params.threadId, pageSize: 3, cursor });
        positions.push(...page.items.map((i) => i.position));
        cursor = page.nextCursor;
      }
      expect(positions).toEqual(Array.from({ length: 1 + 2 * TURN_LINES }, (_, i) => i));
    });

    it("rejects a cursor from another turn filter with InvalidRequestError", async () => {
      const { threadId, turnIds } = await seedTurns(store());
      const { nextCursor } = await store().listItems({ threadId, pageSize: 1 });
      await expectRejectsWith(store().listItems({ threadId, pageSize: 1, turnId: turnIds[0]!, cursor: nextCursor! }), "invalid_request", "invalid cursor: ");
    });

    it("rejects an unknown thread with ThreadNotFoundError", async () => {
      await expectRejects(store().listItems({ threadId: NEVER_CREATED }), new ThreadNotFoundError(NEVER_CREATED));
    });
  });
}
