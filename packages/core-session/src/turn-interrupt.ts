import type { RolloutItem } from "@skein/protocol";
import { event, response } from "./turn-items.js";

// Behaviour: docs/model-turns.md ("Interrupted turns"). What Codex 0.169 records when a turn is
// interrupted (observed with `turn/interrupt` on the real binary, legacy and paginated alike):
// the tool calls cut short get `aborted by user after <s>s` outputs, then a user-role marker
// the model sees on the next turn, then `turn_aborted`. Nothing of a half-streamed response.

/** The text of the user-role message Codex 0.169 records after an interrupted turn. */
export const TURN_ABORTED_MARKER =
  "<turn_aborted>\nThe user interrupted the previous turn on purpose. Any running unified exec processes may still be running in the background. If any tools/commands were aborted, they may have partially executed.\n</turn_aborted>";

/** The output a tool call cut short by an interrupt gets, as Codex words it for non-shell tools. */
export function abortedToolOutput(elapsedMs: number): string {
  return `aborted by user after ${(Math.max(0, elapsedMs) / 1000).toFixed(1)}s`;
}

/** The closing records of an interrupted turn: the marker message, then `turn_aborted`. */
export function interruptedTurnRecords(turnId: string, startedAtMs: number, abortedAtMs: number): RolloutItem[] {
  return [
    response({ type: "message", role: "user", content: [{ type: "input_text", text: TURN_ABORTED_MARKER }] }),
    abortedTurnEvent(turnId, startedAtMs, abortedAtMs),
  ];
}

/** `turn_aborted` with reason `interrupted`, in Codex 0.169's form. */
export function abortedTurnEvent(turnId: string, startedAtMs: number, abortedAtMs: number): RolloutItem {
  return event({
    type: "turn_aborted",
    root_turn_id: turnId,
    turn_id: turnId,
    reason: "interrupted",
    started_at: Math.floor(startedAtMs / 1000),
    completed_at: Math.floor(abortedAtMs / 1000),
    duration_ms: Math.max(0, abortedAtMs - startedAtMs),
  });
}

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` aborts (whichever comes
 * first). For callees that may ignore the signal; their late result is dropped.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}
