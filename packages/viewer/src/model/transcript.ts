import { type RolloutLine, userMessageOf } from "@skein/protocol";
import { patchOf } from "./patch.js";

/**
 * One piece of a conversation as a person reads it, made from one history line. Lines nobody
 * reads (model context, settings, duplicates of messages already shown) make no entry. The
 * mapping is described in docs/viewer.md ("What a transcript shows").
 */
export type TranscriptBody =
  | { kind: "user"; text: string; images: number }
  | { kind: "assistant"; text: string }
  | { kind: "reasoning"; text: string }
  | { kind: "tool_call"; callId?: string; name: string; input: string }
  | { kind: "tool_output"; callId?: string; output: string }
  | { kind: "patch"; callId?: string; name: string; patch: string }
  | { kind: "tokens"; input: number; output: number; cached: number; reasoning: number; total: number; threadTotal?: number }
  | { kind: "turn_start"; turnId?: string }
  | { kind: "turn_end"; durationMs?: number; aborted: boolean }
  | { kind: "compacted"; text: string }
  | { kind: "meta"; cwd?: string; model?: string; source?: string; forkedFromId?: string; cliVersion?: string };

/** An entry with where it came from: its 0-based line position, time and turn. */
export type TranscriptEntry = TranscriptBody & { position: number; timestamp?: string; turnId?: string };

/** Limits the text of one entry sent to a page (a tool output can be megabytes). */
export const MAX_ENTRY_TEXT = 200_000;

type Json = Record<string, unknown>;

const asRecord = (value: unknown): Json => (typeof value === "object" && value !== null ? (value as Json) : {});
const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const asNumber = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

/** The text parts of a message's `content` array (or a plain string). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => asString(asRecord(part)["text"]) ?? "")
    .filter((text) => text !== "")
    .join("\n");
}

/** A tool output in any of the shapes Codex wrote: a string, `{content}`, or content items. */
function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) return contentText(output);
  const record = asRecord(output);
  const content = record["content"];
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return contentText(content);
  return output === undefined ? "" : JSON.stringify(output, null, 2);
}

function responseItemBody(payload: Json, maxText: number): TranscriptBody | undefined {
  const type = payload["type"];
  const callId = asString(payload["call_id"]);
  switch (type) {
    case "message":
      // User and developer messages of the model input are context (the user's own words
      // come from the user_message event); assistant messages are the replies.
      if (payload["role"] !== "assistant") return undefined;
      return { kind: "assistant", text: clip(contentText(payload["content"]), maxText) };
    case "reasoning": {
      const summary = contentText(payload["summary"]);
      const content = contentText(payload["content"]);
      const text = summary !== "" ? summary : content;
      return text === "" ? undefined : { kind: "reasoning", text: clip(text, maxText) };
    }
    case "function_call":
    case "custom_tool_call":
    case "local_shell_call": {
      const name = asString(payload["name"]) ?? (type === "local_shell_call" ? "shell" : "tool");
      const input =
        asString(payload["arguments"]) ?? asString(payload["input"]) ?? JSON.stringify(payload["action"] ?? payload["arguments"] ?? {}, null, 2);
      const patch = patchOf(name, input, payload["action"]);
      if (patch !== undefined) return { kind: "patch", ...(callId && { callId }), name, patch: clip(patch, maxText) };
      return { kind: "tool_call", ...(callId && { callId }), name, input: clip(input, maxText) };
    }
    case "function_call_output":
    case "custom_tool_call_output":
      return { kind: "tool_output", ...(callId && { callId }), output: clip(outputText(payload["output"]), maxText) };
    case "web_search_call":
      return { kind: "tool_call", ...(callId && { callId }), name: "web_search", input: JSON.stringify(payload["action"] ?? {}, null, 2) };
    default:
      return undefined;
  }
}

function eventBody(payload: Json, line: RolloutLine): TranscriptBody | undefined {
  const user = userMessageOf(line);
  if (user !== undefined) return { kind: "user", text: user.text, images: user.images };
  switch (payload["type"]) {
    case "task_started":
    case "turn_started":
      return { kind: "turn_start", ...(asString(payload["turn_id"]) && { turnId: asString(payload["turn_id"]) }) };
    case "task_complete":
    case "turn_complete":
      return { kind: "turn_end", aborted: false, ...(typeof payload["duration_ms"] === "number" && { durationMs: payload["duration_ms"] }) };
    case "turn_aborted":
      return { kind: "turn_end", aborted: true };
    case "token_count": {
      const info = asRecord(payload["info"]);
      const last = asRecord(info["last_token_usage"]);
      if (Object.keys(last).length === 0) return undefined;
      const total = asRecord(info["total_token_usage"]);
      return {
        kind: "tokens",
        input: asNumber(last["input_tokens"]),
        output: asNumber(last["output_tokens"]),
        cached: asNumber(last["cached_input_tokens"]),
        reasoning: asNumber(last["reasoning_output_tokens"]),
        total: asNumber(last["total_tokens"]),
        ...(typeof total["total_tokens"] === "number" && { threadTotal: total["total_tokens"] }),
      };
    }
    default:
      return undefined;
  }
}

/** The readable entry of one history line, or undefined for a line nobody reads. */
export function transcriptBody(line: RolloutLine, maxText = MAX_ENTRY_TEXT): TranscriptBody | undefined {
  const payload = asRecord(line.payload);
  switch (line.type) {
    case "response_item":
      return responseItemBody(payload, maxText);
    case "event_msg":
      return eventBody(payload, line);
    case "compacted":
      return { kind: "compacted", text: clip(asString(payload["message"]) ?? "", maxText) };
    case "session_meta": {
      const source = payload["source"];
      return {
        kind: "meta",
        ...(asString(payload["cwd"]) && { cwd: asString(payload["cwd"]) }),
        ...(asString(payload["model"]) && { model: asString(payload["model"]) }),
        ...(source !== undefined && { source: typeof source === "string" ? source : JSON.stringify(source) }),
        ...(asString(payload["forked_from_id"]) && { forkedFromId: asString(payload["forked_from_id"]) }),
        ...(asString(payload["cli_version"]) && { cliVersion: asString(payload["cli_version"]) }),
      };
    }
    default:
      return undefined;
  }
}

/** Entries for positioned history lines (as `ThreadStore.listItems` returns them), in the given order. */
export function toTranscript(
  items: readonly { position: number; turnId?: string; line: RolloutLine }[],
  maxText = MAX_ENTRY_TEXT,
): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  for (const item of items) {
    const body = transcriptBody(item.line, maxText);
    // A fork's history repeats its source's session_meta: the thread starts once, at line 0.
    if (body === undefined || (body.kind === "meta" && item.position !== 0)) continue;
    entries.push({
      ...body,
      position: item.position,
      ...(typeof item.line.timestamp === "string" && { timestamp: item.line.timestamp }),
      ...(item.turnId !== undefined && { turnId: item.turnId }),
    });
  }
  return entries;
}
