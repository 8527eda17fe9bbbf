import type { RolloutItem } from "@skein/protocol";

// Behaviour: docs/model-turns.md ("Failed turns"). Codex 0.169 records a turn whose model call
// failed as a normal `task_complete` carrying `error: {message, codex_error_info}` (observed with
// an HTTP 500 from the model server); its `thread/read` then shows the turn as `failed`.

/** Codex's `codex_error_info` (rollout form) for a model-call failure, from an HTTP status when the error has one. */
export function codexErrorInfo(error: unknown): string {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status !== "number") return "other";
  if (status >= 500) return "internal_server_error";
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 400) return "bad_request";
  return "other";
}

/** The turn's `task_complete` with the failure Codex records: `error: {message, codex_error_info}`. */
export function failedTurnCompletion(completion: RolloutItem, error: unknown): RolloutItem {
  const message = error instanceof Error ? error.message : String(error);
  const payload = { ...(completion.payload as Record<string, unknown>), error: { message, codex_error_info: codexErrorInfo(error) } };
  return { ...completion, payload } as RolloutItem;
}
