import { KNOWN_ROLLOUT_ITEM_TYPES, formatRolloutTimestamp, stripUserMessagePrefix, type RolloutLine } from "@skein/protocol";
import { ReadOnlyRolloutError } from "./errors.js";
import { openRolloutBytes } from "./internal/rollout-bytes.js";
import { isBlank, readLinesSync } from "./internal/line-splitter.js";

// The 2025 rollout generation (Codex CLI before session_meta envelopes; docs/rollout-generations.md):
// line 1 is a bare `{"id","timestamp","instructions","git"}` header, then bare response items
// (`message`, `reasoning`, `function_call`, `function_call_output`, …) and `{"record_type":"state"}`
// snapshots. Skein reads these files as if they had the current envelope — the header becomes a
// `session_meta`, each item a `response_item`, each snapshot an unknown-kind `state` record kept
// verbatim — and never appends to them.

/** The name used in errors and listings for this generation. */
export const GENERATION_2025 = "2025";

const WRAPPER_TAGS = ["<environment_context>", "<user_instructions>"] as const;
const CWD_RE = /<cwd>([^<]*)<\/cwd>/;

/** True for a 2025 header line: an object with an `id` and a `timestamp` and no record `type`. */
export function isGeneration2025Header(value: unknown): value is { id: string; timestamp: string } {
  if (!isRecord(value) || "type" in value || "payload" in value || "record_type" in value) return false;
  return typeof value["id"] === "string" && typeof value["timestamp"] === "string";
}

/**
 * The current-format line a bare 2025 line stands for, or undefined when `value` is not one.
 * Items carry no time of their own: their `timestamp` is empty.
 */
export function generation2025LineOf(value: unknown): RolloutLine | undefined {
  if (!isRecord(value) || "payload" in value) return undefined;
  if (isGeneration2025Header(value)) {
    const created = Date.parse(value.timestamp);
    const timestamp = Number.isNaN(created) ? value.timestamp : formatRolloutTimestamp(created);
    // cwd is not in the header: the environment context of the first messages has it (see summaries).
    // The envelope's `metadata` (not the payload, which stays as written) names the generation.
    return { timestamp, type: "session_meta", payload: { ...value, cwd: "" }, metadata: { generation: GENERATION_2025 } } as RolloutLine;
  }
  if (value["record_type"] === "state") return { timestamp: "", type: "state", payload: value } as RolloutLine;
  const type = value["type"];
  // An envelope kind without its payload is a broken current line, not a bare item.
  if (typeof type === "string" && !("timestamp" in value) && !(KNOWN_ROLLOUT_ITEM_TYPES as readonly string[]).includes(type)) {
    return { timestamp: "", type: "response_item", payload: value } as RolloutLine;
  }
  return undefined;
}

/** True when a history (as read) is of the 2025 generation: its first line is a converted header. */
export function isGeneration2025History(lines: readonly Pick<RolloutLine, "type" | "metadata">[]): boolean {
  const first = lines[0];
  return first?.type === "session_meta" && first.metadata?.["generation"] === GENERATION_2025;
}

/** The cwd a 2025 history names in its first environment context, if any. */
export function generation2025CwdOf(lines: readonly Pick<RolloutLine, "type" | "payload">[]): string | undefined {
  for (const line of lines) {
    if (line.type !== "response_item") continue;
    const cwd = generation2025UserMessageOf(line.payload)?.cwd;
    if (cwd) return cwd;
  }
  return undefined;
}

/**
 * A 2025 history as items of the current legacy form, for a fork that Codex can resume: the
 * header and the state snapshots are dropped (the fork writes its own `session_meta`), every
 * response item is kept, and each real user message and assistant message is followed by the
 * `user_message` / `agent_message` event the current form records beside it (what lists and
 * previews read).
 */
export function currentItemsOfGeneration2025(lines: readonly Pick<RolloutLine, "type" | "payload">[]): Pick<RolloutLine, "type" | "payload">[] {
  const out: Pick<RolloutLine, "type" | "payload">[] = [];
  for (const line of lines) {
    if (line.type !== "response_item") continue;
    out.push({ type: "response_item", payload: line.payload });
    const user = generation2025UserMessageOf(line.payload);
    if (user?.text !== undefined) {
      out.push({ type: "event_msg", payload: { type: "user_message", message: user.text, images: [] } });
      continue;
    }
    const text = assistantTextOf(line.payload);
    if (text !== undefined) out.push({ type: "event_msg", payload: { type: "agent_message", message: text } });
  }
  return out;
}

function assistantTextOf(item: unknown): string | undefined {
  if (!isRecord(item) || item["type"] !== "message" || item["role"] !== "assistant") return undefined;
  const texts: string[] = [];
  for (const part of Array.isArray(item["content"]) ? item["content"] : []) {
    if (isRecord(part) && part["type"] === "output_text" && typeof part["text"] === "string") texts.push(part["text"]);
  }
  return texts.length > 0 ? texts.join("\n") : undefined;
}

/** What a 2025 user message says: its text (wrappers excluded), images, and the cwd it names. */
export interface Generation2025Message {
  /** The user's words; undefined for a context wrapper or a message with no text. */
  text?: string;
  images: number;
  /** The `<cwd>` of an environment context wrapper. */
  cwd?: string;
}

/**
 * Reads a bare 2025 response item as a user message, or undefined when it is not one. Codex's
 * newer extraction skips `<environment_context>` and `<user_instructions>` wrappers; so does this.
 */
export function generation2025UserMessageOf(item: unknown): Generation2025Message | undefined {
  if (!isRecord(item) || item["type"] !== "message" || item["role"] !== "user") return undefined;
  const texts: string[] = [];
  let images = 0;
  let cwd: string | undefined;
  let wrapped = false;
  for (const part of Array.isArray(item["content"]) ? item["content"] : []) {
    if (!isRecord(part)) continue;
    if ((part["type"] === "input_text" || part["type"] === "text") && typeof part["text"] === "string") {
      const text = part["text"];
      const trimmed = text.trimStart();
      if (WRAPPER_TAGS.some((tag) => trimmed.startsWith(tag))) {
        wrapped = true;
        cwd ??= CWD_RE.exec(text)?.[1]?.trim();
        continue;
      }
      texts.push(text);
    } else if (typeof part["type"] === "string" && /image/i.test(part["type"])) images++;
  }
  const text = stripUserMessagePrefix(texts.join("\n"));
  const message: Generation2025Message = { images };
  if (text.length > 0) message.text = text;
  if (cwd) message.cwd = cwd;
  if (wrapped && message.text === undefined && images === 0 && !cwd) return undefined;
  return message;
}

/** Listing facts of a 2025 rollout. */
export interface Generation2025Summary {
  threadId: string;
  createdAtMs?: number;
  /** From the first environment context; "" when none names one. */
  cwd: string;
  preview?: string;
  previewByteOffset?: number;
  firstUserMessage?: string;
  /** The first user message's full text (Codex's derived title). */
  title?: string;
  git?: Record<string, unknown>;
  recordsRead: number;
  parseErrors: number;
}

/** Records a 2025 summary reads at most while the preview or cwd is still missing. */
const SUMMARY_MAX_RECORDS = 400;

/**
 * Summarizes a 2025 rollout from its head: the header's id and time, the first real user
 * message (preview), the cwd of the first environment context. Undefined when the file does not
 * start with a 2025 header.
 * @throws RolloutNotFoundError when the file does not exist.
 */
export function readGeneration2025Summary(path: string): Generation2025Summary | undefined {
  const bytes = openRolloutBytes(path);
  try {
    let summary: Generation2025Summary | undefined;
    let records = 0;
    for (const raw of readLinesSync(bytes, 0, bytes.compressed ? Number.POSITIVE_INFINITY : bytes.size(), 64 * 1024)) {
      if (isBlank(raw.bytes)) continue;
      records++;
      let value: unknown;
      try {
        value = JSON.parse(raw.bytes.toString("utf8"));
      } catch {
        if (!summary) return undefined;
        summary.parseErrors++;
        continue;
      }
      if (!summary) {
        if (!isGeneration2025Header(value)) return undefined;
        const created = Date.parse(value.timestamp);
        summary = { threadId: value.id.toLowerCase(), cwd: "", recordsRead: 0, parseErrors: 0 };
        if (!Number.isNaN(created)) summary.createdAtMs = created;
        const git = (value as Record<string, unknown>)["git"];
        if (isRecord(git)) summary.git = git;
        continue;
      }
      const message = generation2025UserMessageOf(value);
      if (message?.cwd && summary.cwd === "") summary.cwd = message.cwd;
      const preview = message?.text ?? (message && message.images > 0 ? "[Image]" : undefined);
      if (preview !== undefined && summary.preview === undefined) {
        summary.preview = preview;
        summary.previewByteOffset = raw.byteOffset;
        summary.firstUserMessage = preview;
        if (message?.text !== undefined) summary.title = message.text;
      }
      if (summary.preview !== undefined && summary.cwd !== "") break;
      if (records >= SUMMARY_MAX_RECORDS) break;
    }
    if (summary) summary.recordsRead = records;
    return summary;
  } finally {
    bytes.close();
  }
}

/** True when a rollout starts with a 2025 header (reads its first line only). */
export function isGeneration2025Rollout(path: string): boolean {
  const bytes = openRolloutBytes(path);
  try {
    for (const raw of readLinesSync(bytes, 0, bytes.compressed ? Number.POSITIVE_INFINITY : bytes.size(), 64 * 1024)) {
      if (isBlank(raw.bytes)) continue;
      try {
        return isGeneration2025Header(JSON.parse(raw.bytes.toString("utf8")));
      } catch {
        return false;
      }
    }
    return false;
  } finally {
    bytes.close();
  }
}

/**
 * Refuses to append to a rollout of a read-only generation.
 * @throws ReadOnlyRolloutError for a 2025-generation rollout.
 */
export function refuseReadOnlyGeneration(path: string): void {
  if (isGeneration2025Rollout(path)) throw new ReadOnlyRolloutError(path, GENERATION_2025);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
