import type { HistoryMode, RolloutItem, ThreadId } from "@skein/protocol";
import { type ToolCallOutcome, turnForm } from "./turn-form.js";
import { event, response } from "./turn-items.js";

// Behaviour: docs/model-turns.md ("Interrupted turns"). What Codex 0.169 records when a turn is
// interrupted (observed with `turn/interrupt` on the real binary, legacy and paginated alike):
// the dynamic tool calls cut short are answered "dynamic tool call was cancelled before
// receiving a response" (paginated threads also get a failed `DynamicToolCall` item), then a
// user-role marker the model sees on the next turn, then `turn_aborted`. Nothing of a
// half-streamed response.

/** The text of the user-role message Codex 0.169 records after an interrupted turn. */
export const TURN_ABORTED_MARKER =
  "<turn_aborted>\nThe user interrupted the previous turn on purpose. Any running unified exec processes may still be running in the background. If any tools/commands were aborted, they may have partially executed.\n</turn_aborted>";

/** The output (and error) Codex 0.169 records for a dynamic tool call cut short by an interrupt. */
export const CANCELLED_TOOL_OUTPUT = "dynamic tool call was cancelled before receiving a response";

/**
 * The records of a tool call cut short by an interrupt: in a paginated thread a failed
 * `DynamicToolCall` item with no content and Codex's error (dynamic tools only), then the
 * `function_call_output` the model sees.
 */
export function cancelledToolCallRecords(mode: HistoryMode, threadId: ThreadId, turnId: string, outcome: ToolCallOutcome): RolloutItem[] {
  const failed = { ...outcome, output: CANCELLED_TOOL_OUTPUT, success: false };
  // The form's records of a failed call, with the item as Codex has it: no content, the error.
  return turnForm(mode, threadId)
    .toolResult(turnId, failed)
    .map((record) => {
      const payload = record.payload as Record<string, unknown>;
      const item = payload["item"] as Record<string, unknown> | undefined;
      if (record.type !== "event_msg" || payload["type"] !== "item_completed" || item?.["type"] !== "DynamicToolCall") return record;
      return { ...record, payload: { ...payload, item: { ...item, content_items: [], error: CANCELLED_TOOL_OUTPUT } } };
    });
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
