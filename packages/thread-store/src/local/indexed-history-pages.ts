import { turnIdHash } from "@skein/rollout";
import { cursorPosition, encodeCursor, itemsCursorScope, turnsCursorScope, type NormalizedHistoryPageQuery } from "../history/index.js";
import type { ItemPage, StoredThreadItem, StoredTurn, TurnPage } from "../types.js";
import type { IndexedHistory, PositionedLine } from "./indexed-history.js";

// The same pages, cursors included, as pageItems/pageTurns over the whole history
// (history/history-pages.ts), read from an IndexedHistory: a page touches only its own lines.

/**
 * One `listItems` page read from byte offsets: a page from either end of a huge rollout reads
 * a few hundred KB. Positions are 0-based over the full history; the cursor is the position.
 * @throws InvalidRequestError `invalid cursor: …`
 */
export async function pageIndexedItems(history: IndexedHistory, query: NormalizedHistoryPageQuery): Promise<ItemPage> {
  const scope = itemsCursorScope(query);
  const after = cursorPosition(query, scope);
  const asc = query.sortDirection === "asc";
  let ranges: [number, number][] = [[0, history.total]];
  if (query.turnId !== undefined) {
    await history.prepareTurns();
    ranges = [];
    for (const i of history.turnCandidates(query.turnId, turnIdHash(query.turnId))) {
      if ((await history.turnId(i)) !== query.turnId) continue;
      const turn = history.turn(i);
      ranges.push([turn.start, turn.end]);
    }
  }
  if (after !== undefined) {
    ranges = ranges
      .map(([lo, hi]): [number, number] => (asc ? [Math.max(lo, after + 1), hi] : [lo, Math.min(hi, after)]))
      .filter(([lo, hi]) => lo < hi);
  }
  if (!asc) ranges.reverse();
  const lines: PositionedLine[] = [];
  let available = 0;
  for (const [lo, hi] of ranges) {
    available += hi - lo;
    const need = query.pageSize - lines.length;
    if (need <= 0) continue;
    const read = asc ? history.forward(lo, Math.min(hi, lo + need)) : history.backward(hi, Math.max(lo, hi - need));
    for await (const line of read) lines.push(line);
  }
  if (lines.length > 0) await history.preparePosition(Math.min(lines[0]!.position, lines.at(-1)!.position));
  for (const { position, line } of lines) history.learnTurnId(position, line);
  const items: StoredThreadItem[] = [];
  for (const { position, line } of lines) {
    const turn = query.turnId ?? (await turnIdAt(history, position));
    items.push({ position, ...(turn !== undefined ? { turnId: turn } : {}), line });
  }
  const last = items.at(-1);
  return available > items.length && last ? { items, nextCursor: encodeCursor(scope, last.position) } : { items };
}

/**
 * One `listTurns` page from the turn columns of the item indexes; lines are read only for
 * `includeItems`. The cursor is the turn index.
 * @throws InvalidRequestError `invalid cursor: …`
 */
export async function pageIndexedTurns(history: IndexedHistory, query: NormalizedHistoryPageQuery): Promise<TurnPage> {
  const scope = turnsCursorScope(query);
  const after = cursorPosition(query, scope);
  const asc = query.sortDirection === "asc";
  const first = asc ? (after === undefined ? 0 : after + 1) : (after === undefined ? history.turnCount : Math.min(after, history.turnCount)) - 1;
  const step = asc ? 1 : -1;
  await history.prepareTurns(asc ? first : first - query.pageSize + 1);
  const items: StoredTurn[] = [];
  let i = first;
  for (; i >= 0 && i < history.turnCount && items.length < query.pageSize; i += step) {
    const turn = history.turn(i);
    const lines = [];
    if (query.includeItems) for await (const { line } of history.forward(turn.start, turn.end)) lines.push(line);
    items.push({
      turnId: await history.turnId(i),
      index: turn.index,
      status: turn.status,
      ...(turn.startedAt !== undefined ? { startedAt: turn.startedAt } : {}),
      ...(turn.completedAt !== undefined ? { completedAt: turn.completedAt } : {}),
      items: lines,
    });
  }
  const more = i >= 0 && i < history.turnCount;
  const last = items.at(-1);
  return more && last ? { items, nextCursor: encodeCursor(scope, last.index) } : { items };
}

async function turnIdAt(history: IndexedHistory, position: number): Promise<string | undefined> {
  const i = history.turnAt(position);
  return i < 0 ? undefined : history.turnId(i);
}
