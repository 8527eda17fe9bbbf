import type { RolloutLine } from "@skein/protocol";
import { InvalidRequestError } from "../errors.js";
import type { ItemPage, StoredThreadItem, StoredTurn, TurnPage } from "../types.js";
import { decodeCursor, encodeCursor, type CursorScope } from "./page-cursor.js";
import type { NormalizedHistoryPageQuery } from "./request-validation.js";
import { segmentTurns, turnIdsByPosition } from "./segment-turns.js";

/**
 * One page of a thread's turns from its full history. The cursor is keyed on the turn index,
 * so turns appended between pages neither repeat nor shift an `asc` or `desc` walk.
 * @throws InvalidRequestError `invalid cursor: …`
 */
export function pageTurns(lines: readonly RolloutLine[], query: NormalizedHistoryPageQuery): TurnPage {
  const scope = turnsCursorScope(query);
  const turns = segmentTurns(lines);
  const after = cursorPosition(query, scope);
  const ordered = query.sortDirection === "asc" ? turns : [...turns].reverse();
  const eligible = ordered.filter((t) => after === undefined || beyond(t.index, after, query.sortDirection));
  const page = eligible.slice(0, query.pageSize);
  const items: StoredTurn[] = page.map((t) => ({
    turnId: t.turnId,
    index: t.index,
    status: t.status,
    ...(t.startedAt !== undefined ? { startedAt: t.startedAt } : {}),
    ...(t.completedAt !== undefined ? { completedAt: t.completedAt } : {}),
    items: query.includeItems ? lines.slice(t.start, t.end) : [],
  }));
  const last = page.at(-1);
  return eligible.length > page.length && last ? { items, nextCursor: encodeCursor(scope, last.index) } : { items };
}

/**
 * One page of a thread's records from its full history, optionally only those of `turnId`.
 * Positions are 0-based over the full history; the cursor is keyed on the position.
 * @throws InvalidRequestError `invalid cursor: …`
 */
export function pageItems(lines: readonly RolloutLine[], query: NormalizedHistoryPageQuery): ItemPage {
  const scope = itemsCursorScope(query);
  const after = cursorPosition(query, scope);
  const turnIds = turnIdsByPosition(lines, segmentTurns(lines));
  const asc = query.sortDirection === "asc";
  const items: StoredThreadItem[] = [];
  let more = false;
  const step = asc ? 1 : -1;
  let position = after === undefined ? (asc ? 0 : lines.length - 1) : after + step;
  for (; position >= 0 && position < lines.length; position += step) {
    const turnId = turnIds[position];
    if (query.turnId !== undefined && turnId !== query.turnId) continue;
    if (items.length === query.pageSize) {
      more = true;
      break;
    }
    items.push({ position, ...(turnId !== undefined ? { turnId } : {}), line: lines[position]! });
  }
  const last = items.at(-1);
  return more && last ? { items, nextCursor: encodeCursor(scope, last.position) } : { items };
}

/** The cursor scope of a `listTurns` query (shared by every store's pager, so cursors carry over). */
export function turnsCursorScope(query: NormalizedHistoryPageQuery): CursorScope {
  return { operation: "listTurns", query: { threadId: query.threadId, sortDirection: query.sortDirection } };
}

/** The cursor scope of a `listItems` query. */
export function itemsCursorScope(query: NormalizedHistoryPageQuery): CursorScope {
  return { operation: "listItems", query: { threadId: query.threadId, sortDirection: query.sortDirection, turnId: query.turnId } };
}

/**
 * The position a query's cursor resumes after (a line position or a turn index), or undefined without one.
 * @throws InvalidRequestError `invalid cursor: …`
 */
export function cursorPosition(query: NormalizedHistoryPageQuery, scope: CursorScope): number | undefined {
  return query.cursor === undefined ? undefined : positionFrom(decodeCursor(query.cursor, scope));
}

function beyond(index: number, anchor: number, direction: "asc" | "desc"): boolean {
  return direction === "asc" ? index > anchor : index < anchor;
}

function positionFrom(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  throw new InvalidRequestError("invalid cursor: not a cursor issued by this store");
}
