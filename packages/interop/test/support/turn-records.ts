import { readFileSync } from "node:fs";

/** One rollout line, as parsed. */
export type Line = { type: string; payload: Record<string, unknown> };

/** The lines of a rollout file. */
export function rolloutLines(path: string): Line[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);
}

/** The lines of every turn (from `task_started` to `task_complete`/`turn_aborted`), in order. */
export function turnsOf(lines: readonly Line[]): Line[][] {
  const turns: Line[][] = [];
  let current: Line[] | undefined;
  for (const line of lines) {
    const kind = line.payload["type"];
    if (line.type === "event_msg" && kind === "task_started") current = [];
    if (!current) continue;
    current.push(line);
    if (line.type === "event_msg" && (kind === "task_complete" || kind === "turn_aborted")) {
      turns.push(current);
      current = undefined;
    }
  }
  return turns;
}

// Records only Codex writes, none of them history the model or a reader needs from Skein:
// its context snapshots, settings and accounting records, the rate-limit-only token_count,
// and the contextual messages it injects (developer instructions, <environment_context>, …).
function codexOnly(line: Line): boolean {
  const kind = line.payload["type"];
  if (line.type === "world_state" || line.type === "token_usage_record") return true;
  if (line.type === "event_msg") return kind === "thread_settings_applied" || (kind === "token_count" && line.payload["info"] === null);
  if (line.type !== "response_item" || kind !== "message") return false;
  const role = line.payload["role"];
  const text = JSON.stringify(line.payload["content"] ?? "");
  return role === "developer" || (role === "user" && text.startsWith('[{"type":"input_text","text":"<') && !text.includes("<turn_aborted>"));
}

// Values that differ between two writers of the same turn: times, the context window (Codex
// knows its model's, Skein does not), thread-cumulative totals (the two threads differ before
// the turn) and Codex's account rate limits.
const VOLATILE = new Set(["started_at", "completed_at", "duration_ms", "time_to_first_token_ms", "model_context_window", "timestamp", "total_token_usage", "rate_limits"]);

/**
 * A turn's records in a form two writers of the same turn share: Codex-only records dropped,
 * Codex's internal passthrough and generated user-message ids dropped, times and context
 * windows zeroed, turn ids and the mock's per-request numbers replaced by placeholders.
 */
export function comparableTurn(turn: readonly Line[]): Line[] {
  const turnId = String(turn[0]!.payload["turn_id"]);
  // Codex restates the thread's totals in a token_count before the turn's first model output.
  const firstOutput = turn.findIndex((line) => line.type === "response_item" && line.payload["role"] !== "user");
  return turn
    .filter((line, index) => !codexOnly(line) && !(isTokenCount(line) && (firstOutput === -1 || index < firstOutput)))
    .map((line) => {
      const payload = { ...line.payload };
      delete payload["internal_chat_message_metadata_passthrough"];
      // Generated ids: Codex gives user messages `msg_<uuid>` and tool outputs `fco_<uuid>`.
      if (line.type === "response_item" && (payload["role"] === "user" || payload["type"] === "function_call_output")) delete payload["id"];
      const text = JSON.stringify({ type: line.type, payload }, (key, value) => (VOLATILE.has(key) ? 0 : value))
        .replaceAll(turnId, "TURN")
        .replace(/mock_0*\d+/g, "mock_N")
        .replace(/#\d+/g, "#N");
      return JSON.parse(text) as Line;
    });
}

function isTokenCount(line: Line): boolean {
  return line.type === "event_msg" && line.payload["type"] === "token_count";
}

/** `type:payload.type` of each line (`turn_context` alone). */
export function kinds(lines: readonly Line[]): string[] {
  return lines.map((l) => (l.type === "turn_context" ? l.type : `${l.type}:${String(l.payload["type"])}`));
}
