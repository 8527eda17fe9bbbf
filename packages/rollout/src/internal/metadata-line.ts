import type { RolloutItem } from "@skein/protocol";

// Byte-level helpers of the metadata extraction (`extract-metadata.ts`), its hot path: a
// reindex walks every line of every rollout, so a line is addressed as a range of a read
// buffer, its kind is read from its first bytes without building a string, and a
// `session_meta` line is parsed without its ~20 KB of base instructions.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ENVELOPE_HEAD = Buffer.from('{"timestamp":"', "latin1");
const ORDINAL = Buffer.from('"ordinal":', "latin1");
const TYPE = Buffer.from('"type":"', "latin1");
const PAYLOAD_TYPE = Buffer.from(',"payload":{"type":"', "latin1");
/** How far into a line the envelope must end (as the reader's sniffer, which looks at 256 bytes). */
const SNIFF_WINDOW = 256;

/**
 * What a line's first bytes say about it, for the metadata fold (see {@link sniffLineKind}).
 * `parse`: a layout the sniffer does not know, or an `event_msg` without a leading payload type.
 */
export type LineKind =
  | "parse"
  | "session_meta"
  | "turn_context"
  | "token_count"
  | "user_message"
  | "thread_goal_updated"
  | "item_completed"
  | "agent_message"
  | "turn_start"
  | "turn_end"
  | "tool"
  | "other";

const latin1 = (s: string) => Buffer.from(s, "latin1");
const RECORD_KINDS: readonly [Buffer, LineKind][] = [
  [latin1("session_meta"), "session_meta"],
  [latin1("turn_context"), "turn_context"],
];
const EVENT_MSG = latin1("event_msg");
const EVENT_KINDS: readonly [Buffer, LineKind][] = [
  [latin1("token_count"), "token_count"],
  [latin1("user_message"), "user_message"],
  [latin1("thread_goal_updated"), "thread_goal_updated"],
  [latin1("item_completed"), "item_completed"],
  [latin1("agent_message"), "agent_message"],
  [latin1("task_started"), "turn_start"],
  [latin1("turn_started"), "turn_start"],
  [latin1("task_complete"), "turn_end"],
  [latin1("turn_complete"), "turn_end"],
  [latin1("turn_aborted"), "turn_end"],
];
const RESPONSE_ITEM = latin1("response_item");
/** `response_item` payload types whose text content search indexes as role `tool` (see `searchableMessageOf`). */
const TOOL_ITEM_KINDS: readonly Buffer[] = [
  "function_call",
  "function_call_output",
  "custom_tool_call",
  "custom_tool_call_output",
  "local_shell_call",
].map(latin1);

function hasAt(buf: Buffer, at: number, end: number, what: Buffer): boolean {
  if (at + what.length > end) return false;
  for (let i = 0; i < what.length; i++) if (buf[at + i] !== what[i]) return false;
  return true;
}

/** True when `buf[from, to)` is exactly `what`. */
const isWord = (buf: Buffer, from: number, to: number, what: Buffer) => to - from === what.length && hasAt(buf, from, to, what);

/** End (exclusive) of a run of `[a-z_]` (or `[A-Za-z_]` when `upper`) starting at `at`. */
function wordEnd(buf: Buffer, at: number, end: number, upper: boolean): number {
  let i = at;
  for (; i < end; i++) {
    const b = buf[i]!;
    if ((b >= 0x61 && b <= 0x7a) || b === 0x5f || (upper && b >= 0x41 && b <= 0x5a)) continue;
    break;
  }
  return i;
}

/**
 * Reads the record kind of the line `buf[start, end)` from its first bytes, relying on the key
 * order Codex and Skein write (`{"timestamp":…,["ordinal":N,]"type":…,"payload":{"type":…`),
 * without building a string (this runs on every line of every rollout). Any other layout
 * gives `parse`: the caller then parses the line.
 */
export function sniffLineKind(buf: Buffer, start: number, end: number): LineKind {
  const limit = Math.min(end, start + SNIFF_WINDOW);
  if (!hasAt(buf, start, limit, ENVELOPE_HEAD)) return "parse";
  const tsEnd = buf.indexOf(QUOTE, start + ENVELOPE_HEAD.length);
  if (tsEnd === -1 || tsEnd + 1 >= limit || buf[tsEnd + 1] !== 0x2c) return "parse";
  let at = tsEnd + 2;
  if (hasAt(buf, at, limit, ORDINAL)) {
    let i = at + ORDINAL.length;
    const digits = i;
    while (i < limit && buf[i]! >= 0x30 && buf[i]! <= 0x39) i++;
    if (i === digits || buf[i] !== 0x2c) return "parse";
    at = i + 1;
  }
  if (!hasAt(buf, at, limit, TYPE)) return "parse";
  const typeStart = at + TYPE.length;
  const typeEnd = wordEnd(buf, typeStart, limit, false);
  if (typeEnd === typeStart || typeEnd >= limit || buf[typeEnd] !== QUOTE) return "parse";
  for (const [name, kind] of RECORD_KINDS) if (isWord(buf, typeStart, typeEnd, name)) return kind;
  const event = isWord(buf, typeStart, typeEnd, EVENT_MSG);
  if (!event && !isWord(buf, typeStart, typeEnd, RESPONSE_ITEM)) return "other";
  const pStart = typeEnd + 1 + PAYLOAD_TYPE.length;
  if (!hasAt(buf, typeEnd + 1, limit, PAYLOAD_TYPE)) return event ? "parse" : "other";
  const pEnd = wordEnd(buf, pStart, limit, true);
  if (pEnd === pStart || pEnd >= limit || buf[pEnd] !== QUOTE) return event ? "parse" : "other";
  if (!event) {
    for (const name of TOOL_ITEM_KINDS) if (isWord(buf, pStart, pEnd, name)) return "tool";
    return "other";
  }
  for (const [name, kind] of EVENT_KINDS) if (isWord(buf, pStart, pEnd, name)) return kind;
  return "other";
}

/** The `ordinal` of a line in Codex's envelope order (`{"timestamp":…,"ordinal":N,…`), or undefined. */
export function envelopeOrdinal(buf: Buffer, start: number, end: number): number | undefined {
  const limit = Math.min(end, start + SNIFF_WINDOW);
  if (!hasAt(buf, start, limit, ENVELOPE_HEAD)) return undefined;
  const tsEnd = buf.indexOf(QUOTE, start + ENVELOPE_HEAD.length);
  if (tsEnd === -1 || tsEnd + 2 >= limit || !hasAt(buf, tsEnd + 2, limit, ORDINAL)) return undefined;
  let value = 0;
  let i = tsEnd + 2 + ORDINAL.length;
  const digits = i;
  for (; i < limit && buf[i]! >= 0x30 && buf[i]! <= 0x39; i++) value = value * 10 + (buf[i]! - 0x30);
  return i === digits ? undefined : value;
}

/** True when `buf[start, end)` holds only ASCII whitespace. */
export function isBlankRange(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}

/** True when `needle` occurs in `buf[start, end)`. */
export function rangeIncludes(buf: Buffer, start: number, end: number, needle: Buffer): boolean {
  // Search a view of the line: `buf.indexOf(needle, start)` would scan the rest of the buffer.
  return buf.subarray(start, end).indexOf(needle) !== -1;
}

type Item = Pick<RolloutItem, "type" | "payload">;

function itemOf(text: string): Item | undefined {
  try {
    const value = JSON.parse(text) as { type?: unknown; payload?: unknown };
    if (typeof value !== "object" || value === null || typeof value.type !== "string") return undefined;
    return { type: value.type, payload: value.payload } as Item;
  } catch {
    return undefined;
  }
}

/** Parses `buf[start, end)` into `{type, payload}`, or undefined when it is not JSON with a string `type`. */
export function parseRange(buf: Buffer, start: number, end: number): Item | undefined {
  return itemOf(buf.toString("utf8", start, end));
}

/** Strings shorter than this are parsed as they are: eliding them saves nothing. */
const ELIDE_MIN_BYTES = 256;
const BASE_INSTRUCTIONS_TEXT = ["payload", "base_instructions", "text"] as const;

/**
 * Parses a `session_meta` line with `payload.base_instructions.text` replaced by `""`: the
 * index never uses the instructions, which are most of the line's bytes. The value stays a
 * string, so schema validation gives the same verdict as on the whole line.
 */
export function parseSessionMetaRange(buf: Buffer, start: number, end: number): Item | undefined {
  const span = findStringValue(buf, start, end, BASE_INSTRUCTIONS_TEXT);
  if (span === undefined || span[1] - span[0] < ELIDE_MIN_BYTES) return parseRange(buf, start, end);
  return itemOf(buf.toString("utf8", start, span[0]) + buf.toString("utf8", span[1], end));
}

/** Index of the quote that closes the string opened at `open`, or -1. */
function closingQuote(buf: Buffer, open: number, end: number): number {
  for (let at = buf.indexOf(QUOTE, open + 1); at !== -1 && at < end; at = buf.indexOf(QUOTE, at + 1)) {
    let backslashes = 0;
    for (let i = at - 1; buf[i] === BACKSLASH; i--) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return -1;
}

interface Frame {
  object: boolean;
  key: string | undefined;
  expectKey: boolean;
}

/**
 * The content range `[from, to)` (inside the quotes) of the string value at `path` (object keys
 * from the top), or undefined when the line has none there or is not well-formed enough to walk.
 * Only structure outside strings is looked at byte by byte; strings are skipped with `indexOf`.
 */
export function findStringValue(buf: Buffer, start: number, end: number, path: readonly string[]): [number, number] | undefined {
  const stack: Frame[] = [];
  let at = start;
  while (at < end) {
    const b = buf[at]!;
    if (b === QUOTE) {
      const close = closingQuote(buf, at, end);
      if (close === -1) return undefined;
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        top.key = buf.toString("utf8", at + 1, close);
        top.expectKey = false;
      } else if (stack.length === path.length && stack.every((frame, i) => frame.object && frame.key === path[i])) {
        return [at + 1, close];
      }
      at = close + 1;
      continue;
    }
    if (b === 0x7b) stack.push({ object: true, key: undefined, expectKey: true });
    else if (b === 0x5b) stack.push({ object: false, key: undefined, expectKey: false });
    else if (b === 0x7d || b === 0x5d) stack.pop();
    else if (b === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
    }
    at++;
  }
  return undefined;
}

const CLOSE_BRACE = 0x7d;

/**
 * True when the line `buf[start, end)` shows no sign of damage: its last non-blank byte closes
 * an object and no second envelope head (`{"timestamp":"`) starts inside it. The fold numbers
 * items without parsing most lines, but the reader skips a line that does not parse, so a damaged
 * line must not take a position (docs/search.md, "What a hit says"). The damage a crash leaves
 * mid-file is a cut-off line that the next write continued on the same line: it holds a second
 * head. Raw bytes `{"timestamp":"` cannot occur inside a JSON string (its quotes would be
 * escaped), so a hit is either that damage or a nested object keyed `timestamp` first, which the
 * caller tells apart by parsing.
 */
export function looksWhole(buf: Buffer, start: number, end: number): boolean {
  let last = end - 1;
  while (last > start && (buf[last] === 0x20 || buf[last] === 0x09 || buf[last] === 0x0d)) last--;
  if (buf[last] !== CLOSE_BRACE) return false;
  const head = buf.indexOf(ENVELOPE_HEAD, start + 1);
  return head === -1 || head >= end;
}
