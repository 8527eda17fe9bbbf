import { describe, expect, it } from "vitest";
import type { RolloutLine } from "@skein/protocol";
import {
  decodeCursor,
  encodeCursor,
  InvalidRequestError,
  pageItems,
  searchSnippet,
  segmentTurns,
  normalizeHistoryPageParams,
  parseMetadataPatch,
  parseThreadId,
  normalizeListThreadsParams,
  normalizeSearchParams,
  MAX_SEARCH_TERM_LENGTH,
} from "../src/index.js";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const event = (s: number, payload: Record<string, unknown>): RolloutLine => ({ timestamp: at(s), type: "event_msg", payload: payload as { type: string } });
const meta = (): RolloutLine => ({ timestamp: at(0), type: "session_meta", payload: { id: "01900000-0000-7000-8000-000000000001", timestamp: at(0), cwd: "/w" } });

describe("segmentTurns", () => {
  it("gives lines before the first turn no turn", () => {
    expect(segmentTurns([meta(), event(1, { type: "user_message", message: "x" })])).toEqual([]);
  });

  it("ends a turn at task_complete as completed, with start and end times", () => {
    const turns = segmentTurns([meta(), event(1, { type: "task_started", turn_id: "t1" }), event(2, { type: "task_complete", turn_id: "t1" })]);
    expect(turns).toEqual([{ turnId: "t1", index: 0, status: "completed", startedAt: Date.parse(at(1)), completedAt: Date.parse(at(2)), start: 1, end: 3 }]);
  });

  it("ends a turn at turn_aborted as interrupted", () => {
    const turns = segmentTurns([event(1, { type: "turn_started", turn_id: "t1" }), event(2, { type: "turn_aborted", turn_id: "t1" })]);
    expect(turns[0]!.status).toBe("interrupted");
  });

  it("marks the last turn without an end in_progress", () => {
    const turns = segmentTurns([event(1, { type: "task_started", turn_id: "t1" }), event(2, { type: "user_message", message: "x" })]);
    expect(turns[0]).toMatchObject({ status: "in_progress", end: 2, completedAt: undefined });
  });

  it("marks an unended turn cut off by a later start interrupted", () => {
    const turns = segmentTurns([event(1, { type: "task_started", turn_id: "t1" }), event(2, { type: "task_started", turn_id: "t2" })]);
    expect(turns.map((t) => [t.turnId, t.status, t.start, t.end])).toEqual([["t1", "interrupted", 0, 1], ["t2", "in_progress", 1, 2]]);
  });

  it("reads the turn id from turn_attribution when turn_id is absent", () => {
    expect(segmentTurns([event(1, { type: "task_started", turn_attribution: { turn_id: "attr" } })])[0]!.turnId).toBe("attr");
  });

  it("names a start without any turn id after its position", () => {
    expect(segmentTurns([meta(), event(1, { type: "task_started" })])[0]!.turnId).toBe("turn-1");
  });

  it("treats an end event of another turn as content of the open turn", () => {
    const turns = segmentTurns([event(1, { type: "task_started", turn_id: "t1" }), event(2, { type: "task_complete", turn_id: "zz" })]);
    expect(turns[0]!.status).toBe("in_progress");
  });
});

describe("page cursors", () => {
  const scope = { operation: "listItems" as const, query: { threadId: "a", sortDirection: "asc" } };

  it("round-trips a position within its scope", () => {
    expect(decodeCursor(encodeCursor(scope, { v: 1, id: "x" }), scope)).toEqual({ v: 1, id: "x" });
  });

  it("treats queries with reordered keys as the same scope", () => {
    const cursor = encodeCursor(scope, 5);
    expect(decodeCursor(cursor, { operation: "listItems", query: { sortDirection: "asc", threadId: "a" } })).toBe(5);
  });

  it("rejects a cursor of another scope", () => {
    const cursor = encodeCursor(scope, 5);
    expect(() => decodeCursor(cursor, { ...scope, operation: "listTurns" })).toThrow(new InvalidRequestError("invalid cursor: it belongs to another query"));
  });

  it("rejects an edited cursor", () => {
    const cursor = encodeCursor(scope, 5);
    const edited = Buffer.from(JSON.stringify({ s: "x", p: 6 })).toString("base64url") + cursor.slice(cursor.indexOf("."));
    expect(() => decodeCursor(edited, scope)).toThrow(new InvalidRequestError("invalid cursor: not a cursor issued by this store"));
  });
});

describe("pageItems", () => {
  it("walks backwards from the newest line", () => {
    const lines = [meta(), event(1, { type: "task_started", turn_id: "t1" }), event(2, { type: "task_complete", turn_id: "t1" })];
    const query = normalizeHistoryPageParams({ threadId: "01900000-0000-7000-8000-000000000001", sortDirection: "desc", pageSize: 2 });
    const first = pageItems(lines, query);
    expect(first.items.map((i) => [i.position, i.turnId])).toEqual([[2, "t1"], [1, "t1"]]);
    const second = pageItems(lines, { ...query, cursor: first.nextCursor });
    expect(second).toEqual({ items: [{ position: 0, line: lines[0] }] });
  });
});

describe("searchSnippet", () => {
  it("marks the match in the text's own case", () => {
    expect(searchSnippet("Fix the Gateway timeout", "gateway")).toBe("Fix the [Gateway] timeout");
  });

  it("cuts long text around the match with ellipses", () => {
    const text = `${"a".repeat(100)} needle ${"b".repeat(100)}`;
    expect(searchSnippet(text, "needle")).toBe(`…${"a".repeat(39)} [needle] ${"b".repeat(39)}…`);
  });

  it("returns undefined when the term is absent, and treats pattern syntax as text", () => {
    expect(searchSnippet("abc", "a.c")).toBeUndefined();
    expect(searchSnippet("50% off", "%")).toBe("50[%] off");
  });
});

describe("request validation", () => {
  it("rejects a path-like thread id before any lookup", () => {
    expect(() => parseThreadId("../../etc/passwd")).toThrow(new InvalidRequestError("invalid thread id: ../../etc/passwd"));
  });

  it("names an unknown patch field", () => {
    expect(() => parseMetadataPatch({ color: "red" })).toThrow(new InvalidRequestError("invalid metadata patch: unknown field color"));
  });

  it("names a nested patch field of the wrong type", () => {
    expect(() => parseMetadataPatch({ gitInfo: { sha: 1 } })).toThrow(/invalid metadata patch: gitInfo\.sha: /);
  });

  it("parses an empty patch", () => {
    expect(parseMetadataPatch({})).toEqual({});
  });

  it(`accepts a search term of exactly ${MAX_SEARCH_TERM_LENGTH} characters`, () => {
    const term = "x".repeat(MAX_SEARCH_TERM_LENGTH);
    expect(normalizeSearchParams({ searchTerm: term }).searchTerm).toBe(term);
    expect(normalizeListThreadsParams({ searchTerm: term }).searchTerm).toBe(term);
  });

  it("refuses a longer search term in searchThreads with InvalidRequestError", () => {
    expect(() => normalizeSearchParams({ searchTerm: "x".repeat(MAX_SEARCH_TERM_LENGTH + 1) })).toThrow(
      new InvalidRequestError(`searchTerm must be at most ${MAX_SEARCH_TERM_LENGTH} characters, got ${MAX_SEARCH_TERM_LENGTH + 1}`),
    );
  });

  it("refuses a longer search term in listThreads with InvalidRequestError", () => {
    expect(() => normalizeListThreadsParams({ searchTerm: "x".repeat(MAX_SEARCH_TERM_LENGTH + 1) })).toThrow(
      new InvalidRequestError(`searchTerm must be at most ${MAX_SEARCH_TERM_LENGTH} characters, got ${MAX_SEARCH_TERM_LENGTH + 1}`),
    );
  });
});
