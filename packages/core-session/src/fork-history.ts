import { type RolloutItem, userMessageOf } from "@skein/protocol";
import { InvalidSessionRequestError } from "./errors.js";

type Item = Pick<RolloutItem, "type" | "payload">;

const TURN_START_EVENTS = new Set(["task_started", "turn_started"]);
const TURN_END_EVENTS = new Set(["task_complete", "turn_complete", "turn_aborted"]);

/**
 * The prefix of a history that a fork keeps: turns `[0, atTurn)`, where a turn is counted by
 * its user message and starts at its `task_started`/`turn_started` event (or, in histories
 * without one, at the `turn_context` and user input just before the message). Without
 * `atTurn` (or past the last turn) everything is kept, except that an unfinished last turn is
 * cut off: a fork never copies a turn that is still running.
 * @throws InvalidSessionRequestError when `atTurn` is not a non-negative integer.
 */
export function forkHistoryPrefix<T extends Item>(history: readonly T[], atTurn?: number): T[] {
  if (atTurn !== undefined && !(Number.isInteger(atTurn) && atTurn >= 0)) {
    throw new InvalidSessionRequestError(`atTurn must be a non-negative integer, got ${String(atTurn)}`);
  }
  const userAt: number[] = [];
  history.forEach((item, i) => {
    if (userMessageOf(item)) userAt.push(i);
  });
  if (atTurn !== undefined && atTurn < userAt.length) {
    return history.slice(0, turnStart(history, userAt[atTurn]!, atTurn > 0 ? userAt[atTurn - 1]! : -1));
  }
  const open = openTurnStart(history);
  return history.slice(0, open ?? history.length);
}

/** Where the turn of the user message at `userIndex` starts, never at or before `floor`. */
function turnStart(history: readonly Item[], userIndex: number, floor: number): number {
  for (let i = userIndex; i > floor; i--) {
    if (isEvent(history[i]!, TURN_START_EVENTS)) return i;
  }
  let start = userIndex;
  while (start - 1 > floor && isTurnPreamble(history[start - 1]!)) start--;
  return start;
}

function openTurnStart(history: readonly Item[]): number | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i]!;
    if (isEvent(item, TURN_END_EVENTS)) return undefined;
    if (isEvent(item, TURN_START_EVENTS)) return i;
  }
  return undefined;
}

function isEvent(item: Item, types: Set<string>): boolean {
  if (item.type !== "event_msg") return false;
  const type = (item.payload as { type?: unknown }).type;
  return typeof type === "string" && types.has(type);
}

function isTurnPreamble(item: Item): boolean {
  if (item.type === "turn_context") return true;
  if (item.type !== "response_item") return false;
  const payload = item.payload as { type?: unknown; role?: unknown };
  return payload.type === "message" && (payload.role === "user" || payload.role === "developer");
}
