import type { RolloutLine } from "@skein/protocol";
import type { StoredTurnStatus } from "../types.js";

/** Where one turn sits in a thread's history (positions are 0-based line indexes). */
export interface TurnSegment {
  turnId: string;
  /** 0-based position of the turn among the thread's turns. */
  index: number;
  status: StoredTurnStatus;
  /** Epoch ms of the turn's start line. */
  startedAt: number | undefined;
  /** Epoch ms of the turn's end line; absent while the turn has no end. */
  completedAt: number | undefined;
  /** Position of the start line. */
  start: number;
  /** Position just past the last line of the turn (exclusive). */
  end: number;
}

const START_EVENTS = new Set(["task_started", "turn_started"]);
const COMPLETE_EVENTS = new Set(["task_complete", "turn_complete"]);
const ABORT_EVENT = "turn_aborted";

/**
 * Splits a history into turns. A turn starts at an `event_msg` `task_started`/`turn_started`
 * (its `turn_id`) and ends at the matching `task_complete`/`turn_complete` (`completed`) or
 * `turn_aborted` (`interrupted`). Lines before the first turn and between turns belong to
 * no turn. The last turn with no end is `in_progress`; an earlier one with no end, cut off
 * by a later start (a crash or kill mid-turn), is `interrupted`: it can never finish.
 * An end event naming another turn id is ordinary content of the open turn.
 * A start with no `turn_id` gets the stable id `turn-<start position>`.
 */
export function segmentTurns(lines: readonly RolloutLine[]): TurnSegment[] {
  const events: TurnBoundary[] = [];
  for (let position = 0; position < lines.length; position++) {
    const line = lines[position]!;
    if (line.type !== "event_msg") continue;
    const payload = line.payload as { type?: unknown; turn_id?: unknown; turn_attribution?: { turn_id?: unknown } };
    const kind = payload.type;
    if (typeof kind !== "string") continue;
    const boundary = START_EVENTS.has(kind) ? "start" : COMPLETE_EVENTS.has(kind) ? "complete" : kind === ABORT_EVENT ? "abort" : undefined;
    if (!boundary) continue;
    const turnId = turnIdOf(payload);
    const timeMs = timeOf(line);
    events.push({ position, kind: boundary, ...(turnId !== undefined ? { turnId } : {}), ...(timeMs !== undefined ? { timeMs } : {}) });
  }
  return segmentTurnBoundaries(events, lines.length);
}

/** A turn start or end at a history position (what {@link segmentTurns} reads from a line). */
export interface TurnBoundary {
  position: number;
  kind: "start" | "complete" | "abort";
  turnId?: string;
  timeMs?: number;
}

/**
 * {@link segmentTurns} over boundary events already picked out of a history of `total` lines
 * (ascending positions), so an indexed history is segmented without reading its lines.
 */
export function segmentTurnBoundaries(events: readonly TurnBoundary[], total: number): TurnSegment[] {
  const turns: TurnSegment[] = [];
  let open: TurnSegment | undefined;
  for (const event of events) {
    if (event.kind === "start") {
      if (open) {
        open.status = "interrupted";
        open.end = event.position;
      }
      open = {
        turnId: event.turnId ?? `turn-${event.position}`,
        index: turns.length,
        status: "in_progress",
        startedAt: event.timeMs,
        completedAt: undefined,
        start: event.position,
        end: total,
      };
      turns.push(open);
    } else if (open) {
      if (event.turnId !== undefined && event.turnId !== open.turnId) continue;
      open.status = event.kind === "abort" ? "interrupted" : "completed";
      open.completedAt = event.timeMs;
      open.end = event.position + 1;
      open = undefined;
    }
  }
  return turns;
}

/** The turn id of every line of `lines` (undefined outside turns), in order. */
export function turnIdsByPosition(lines: readonly RolloutLine[], turns: readonly TurnSegment[]): (string | undefined)[] {
  const ids: (string | undefined)[] = new Array(lines.length).fill(undefined);
  for (const turn of turns) ids.fill(turn.turnId, turn.start, turn.end);
  return ids;
}

function turnIdOf(payload: { turn_id?: unknown; turn_attribution?: { turn_id?: unknown } }): string | undefined {
  if (typeof payload.turn_id === "string" && payload.turn_id) return payload.turn_id;
  const attributed = payload.turn_attribution?.turn_id;
  return typeof attributed === "string" && attributed ? attributed : undefined;
}

function timeOf(line: RolloutLine): number | undefined {
  const ms = Date.parse(line.timestamp);
  return Number.isNaN(ms) ? undefined : ms;
}
