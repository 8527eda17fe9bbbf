import { RolloutLine, type SessionMeta } from "@skein/protocol";
import { EmptyRolloutError, ForkCycleError, MissingForkParentError } from "./errors.js";
import { openRolloutBytes, type RolloutBytes } from "./internal/rollout-bytes.js";
import { checkRolloutLine } from "./internal/check-rollout-line.js";
import { isBlank } from "./internal/line-splitter.js";
import { findRolloutPath } from "./home-scan.js";
import { generation2025LineOf } from "./generation-2025.js";

// Behaviour: docs/rollout-format.md, "Reading", "A line" and "Forks and `history_base`".

/** One non-blank line of a rollout, with its raw text and where it sits in the file. */
export interface RolloutLineEntry {
  /** The line's text without its `\n` (invalid UTF-8 decodes to U+FFFD). */
  raw: string;
  /** The line's exact bytes without its `\n`: write these back for a byte-identical copy. */
  bytes: Buffer;
  /** 1-based line number within the range read, blank lines included. */
  lineNumber: number;
  /** UTF-8 byte offset of the line's first byte. */
  byteOffset: number;
  /** Bytes the line occupies, including its `\n` when it has one. */
  byteLength: number;
  /** False for a final fragment with no `\n`. */
  terminated: boolean;
  /** The parsed line, when it is valid JSON and a valid rollout line. */
  line?: RolloutLine;
  /** Why the line did not parse. */
  error?: string;
}

/** Options of {@link iterateRolloutLines}. */
export interface IterateRolloutLinesOptions {
  /** First byte to read (default 0). Should be a line start. */
  start?: number;
  /** Byte to stop before (default: end of file). */
  end?: number;
  /** Bytes per read (default 4 MiB); a small one suits a read that stops after a few lines. */
  chunkSize?: number;
}

/**
 * Streams a rollout's non-blank lines in file order, each with its raw bytes, byte range and
 * parse result. Never throws for bad content: bad lines carry `error`.
 * @throws RolloutNotFoundError when the file does not exist.
 */
export async function* iterateRolloutLines(
  path: string,
  options: IterateRolloutLinesOptions = {},
): AsyncGenerator<RolloutLineEntry> {
  for await (const batch of iterateRolloutLineBatches(path, options)) yield* batch;
}

/**
 * Like {@link iterateRolloutLines}, but yields the lines of each read chunk as one array: one
 * async step per chunk instead of one per line, for callers that walk whole files.
 * @throws RolloutNotFoundError when the file does not exist.
 */
export async function* iterateRolloutLineBatches(
  path: string,
  options: IterateRolloutLinesOptions = {},
): AsyncGenerator<RolloutLineEntry[]> {
  const handle = await openForRead(path);
  try {
    yield* readEntryBatches(handle, options.start ?? 0, readEnd(handle, options.end), options.chunkSize ?? BATCH_CHUNK);
  } finally {
    handle.close();
  }
}

/** Parses one line's text. Returns `{line}` or `{error}`; never throws. */
export function parseRolloutLine(raw: string): { line: RolloutLine } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { error: `invalid JSON: ${(err as Error).message}` };
  }
  // Hot path: a structural check that only ever accepts what the schema accepts unchanged.
  const fast = checkRolloutLine(json);
  if (fast) return { line: fast };
  // A bare line of the 2025 generation (no envelope) reads as its current-format equivalent.
  const bare = generation2025LineOf(json);
  if (bare) return { line: bare };
  const parsed = RolloutLine.safeParse(json);
  if (parsed.success) return { line: parsed.data };
  const issue = parsed.error.issues[0];
  return { error: `invalid rollout line: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "unknown"}` };
}

/**
 * The entry of one line (undefined for a blank one). `bytes` is the line without its `\n`;
 * it is decoded once, parsed once.
 */
export function rolloutLineEntry(
  bytes: Buffer,
  byteOffset: number,
  terminated: boolean,
  lineNumber: number,
): RolloutLineEntry | undefined {
  if (isBlank(bytes)) return undefined;
  const raw = bytes.toString("utf8");
  const parsed = parseRolloutLine(raw);
  const entry: RolloutLineEntry = { raw, bytes, lineNumber, byteOffset, byteLength: bytes.length + (terminated ? 1 : 0), terminated };
  if ("line" in parsed) entry.line = parsed.line;
  else entry.error = parsed.error;
  return entry;
}

/** Full-file reads use bigger chunks than the shared splitter: fewer async hops per MB. */
const BATCH_CHUNK = 4 << 20;
const NL = 0x0a;

async function* readEntryBatches(handle: RolloutBytes, start: number, end: number, chunkSize: number): AsyncGenerator<RolloutLineEntry[]> {
  let pos = start;
  let lineStart = start;
  let lineNumber = 0;
  let pieces: Buffer[] = [];
  while (pos < end) {
    const buffer = Buffer.allocUnsafe(Math.min(chunkSize, end - pos));
    const bytesRead = await handle.read(buffer, 0, buffer.length, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    const batch: RolloutLineEntry[] = [];
    let from = 0;
    for (let at = chunk.indexOf(NL, from); at !== -1; at = chunk.indexOf(NL, from)) {
      const piece = chunk.subarray(from, at);
      const bytes = pieces.length === 0 ? piece : Buffer.concat([...pieces, piece]);
      pieces = [];
      lineNumber++;
      const entry = rolloutLineEntry(bytes, lineStart, true, lineNumber);
      if (entry) batch.push(entry);
      lineStart += bytes.length + 1;
      from = at + 1;
    }
    if (from < chunk.length) pieces.push(chunk.subarray(from));
    if (batch.length > 0) yield batch;
  }
  if (pieces.length > 0) {
    const entry = rolloutLineEntry(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), lineStart, false, lineNumber + 1);
    if (entry) yield [entry];
  }
}

/** A line that was skipped. */
export interface BadLine {
  lineNumber: number;
  byteOffset: number;
  reason: string;
}

/** Bytes at the end of a file after its last `\n`. */
export interface TornTail {
  byteOffset: number;
  length: number;
  /** True when the fragment still parsed as a complete rollout line (then it is also in `lines`). */
  parsed: boolean;
}

/** What {@link readRollout} returns. */
export interface RolloutReadResult {
  lines: RolloutLine[];
  /** The first `session_meta` payload: the canonical one. */
  meta?: SessionMeta;
  /** Lines skipped because they were not JSON or not a valid rollout line. */
  parseErrors: number;
  /** The first {@link ReadRolloutOptions.maxBadLines} skipped lines. */
  badLines: BadLine[];
  tornTail?: TornTail;
  /** Bytes covered by the read (file size, or the range end). */
  size: number;
}

/** Options of {@link readRollout}. */
export interface ReadRolloutOptions extends IterateRolloutLinesOptions {
  /** Cap on the `badLines` list (the count is never capped). Default 100. */
  maxBadLines?: number;
}

/**
 * Reads a whole rollout (or a byte range of it), tolerantly: blank lines are skipped, bad
 * lines skipped and reported, unknown record kinds kept verbatim, and a torn last line reported.
 * @throws RolloutNotFoundError when the file does not exist.
 * @throws EmptyRolloutError when the range holds no non-blank line.
 */
export async function readRollout(path: string, options: ReadRolloutOptions = {}): Promise<RolloutReadResult> {
  const maxBadLines = options.maxBadLines ?? 100;
  const result: RolloutReadResult = { lines: [], parseErrors: 0, badLines: [], size: options.start ?? 0 };
  let nonBlank = 0;
  const onLine = (raw: string, byteOffset: number, byteLength: number, terminated: boolean, lineNumber: number): void => {
    if (isBlankText(raw)) return;
    nonBlank++;
    result.size = byteOffset + byteLength;
    const parsed = parseRolloutLine(raw);
    const line = "line" in parsed ? parsed.line : undefined;
    if (!terminated) result.tornTail = { byteOffset, length: byteLength, parsed: line !== undefined };
    if (line) {
      result.lines.push(line);
      // The unknown-kind variant refuses known type names, so this payload passed SessionMeta.
      if (result.meta === undefined && line.type === "session_meta") result.meta = line.payload as SessionMeta;
      return;
    }
    result.parseErrors++;
    if (result.badLines.length < maxBadLines) result.badLines.push({ lineNumber, byteOffset, reason: (parsed as { error: string }).error });
  };
  const handle = await openForRead(path);
  try {
    await scanLineTexts(handle, options.start ?? 0, readEnd(handle, options.end), onLine);
  } finally {
    handle.close();
  }
  if (nonBlank === 0) throw new EmptyRolloutError(path);
  return result;
}

/**
 * Calls `onLine` for every line of `[start, end)` with its decoded text. Each chunk is decoded
 * once and split as a string (what a plain `readFile` + `split` costs); byte offsets come from
 * the same `\n`s found in the bytes (UTF-8 never hides a `\n` inside a character).
 */
async function scanLineTexts(
  handle: RolloutBytes,
  start: number,
  end: number,
  onLine: (raw: string, byteOffset: number, byteLength: number, terminated: boolean, lineNumber: number) => void,
  chunkSize = BATCH_CHUNK,
): Promise<void> {
  let pos = start;
  let lineStart = start;
  let lineNumber = 0;
  let carry: Buffer[] = [];
  while (pos < end) {
    const buffer = Buffer.allocUnsafe(Math.min(chunkSize, end - pos));
    const bytesRead = await handle.read(buffer, 0, buffer.length, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    const last = chunk.lastIndexOf(NL);
    if (last === -1) {
      carry.push(chunk);
      continue;
    }
    let from = 0;
    if (carry.length > 0) {
      const at = chunk.indexOf(NL);
      const bytes = Buffer.concat([...carry, chunk.subarray(0, at)]);
      carry = [];
      onLine(bytes.toString("utf8"), lineStart, bytes.length + 1, true, ++lineNumber);
      lineStart += bytes.length + 1;
      from = at + 1;
    }
    const text = chunk.toString("utf8", from, last + 1);
    let s = 0;
    let b = from;
    while (s < text.length) {
      const sn = text.indexOf("\n", s);
      const bn = chunk.indexOf(NL, b);
      onLine(text.slice(s, sn), lineStart, bn - b + 1, true, ++lineNumber);
      lineStart += bn - b + 1;
      s = sn + 1;
      b = bn + 1;
    }
    if (last + 1 < chunk.length) carry.push(chunk.subarray(last + 1));
  }
  if (carry.length > 0) {
    const bytes = Buffer.concat(carry);
    onLine(bytes.toString("utf8"), lineStart, bytes.length, false, ++lineNumber);
  }
}

/**
 * Calls `onLine` with the text and byte range of every non-blank line of `[start, end)`, in
 * order, without building entries (internal to this package: the index builder's hot loop).
 * @throws RolloutNotFoundError when the file does not exist.
 */
export async function scanRolloutLineTexts(
  path: string,
  range: { start: number; end: number; chunkSize?: number },
  onLine: (raw: string, byteOffset: number, byteLength: number, terminated: boolean) => void,
): Promise<void> {
  const handle = await openForRead(path);
  try {
    const visit = (raw: string, byteOffset: number, byteLength: number, terminated: boolean): void => {
      if (!isBlankText(raw)) onLine(raw, byteOffset, byteLength, terminated);
    };
    await scanLineTexts(handle, range.start, range.end, visit, range.chunkSize);
  } finally {
    handle.close();
  }
}

function isBlankText(raw: string): boolean {
  if (raw.length === 0) return true;
  const first = raw.charCodeAt(0);
  if (first !== 0x20 && first !== 0x09 && first !== 0x0d) return false;
  return /^[ \t\r]*$/.test(raw);
}

/** One file that contributed to a thread's full history, oldest ancestor first. */
export interface HistorySegment {
  threadId?: string;
  path: string;
  /** Where the read stopped (a parent's `history_base.end_byte_offset`); absent for the thread's own file. */
  endByteOffset?: number;
  lineCount: number;
}

/** What {@link loadThreadHistory} returns. */
export interface ThreadHistory extends RolloutReadResult {
  /** The thread's own file's lines (without inherited history). */
  ownLines: RolloutLine[];
  /** The files read, oldest ancestor first; the last one is the thread's own. */
  segments: HistorySegment[];
}

/** Params of {@link loadThreadHistory}. */
export interface LoadThreadHistoryParams {
  /** The Codex home, used to find fork parents by id (active first, then archived). */
  home: string;
  /** The thread's own rollout. */
  path: string;
  /** Guard against absurd fork chains. Default 64. */
  maxDepth?: number;
}

/**
 * Reads a thread's full history. For a paginated fork (`session_meta.history_base`), the
 * parent's file is read up to `end_byte_offset` first, recursively for a fork of a fork, so
 * the result is the lineage prefix followed by the thread's own lines. `meta`, `tornTail`
 * and `size` describe the thread's own file; `parseErrors`/`badLines` cover every file read.
 * @throws MissingForkParentError when an ancestor's rollout cannot be found.
 * @throws ForkCycleError when the chain loops or exceeds `maxDepth`.
 * @throws EmptyRolloutError, RolloutNotFoundError as {@link readRollout}.
 */
export async function loadThreadHistory(params: LoadThreadHistoryParams): Promise<ThreadHistory> {
  const maxDepth = params.maxDepth ?? 64;
  const own = await readRollout(params.path);
  const segments: HistorySegment[] = [{ threadId: own.meta?.id, path: params.path, lineCount: own.lines.length }];
  const prefix: RolloutLine[][] = [];
  let parseErrors = own.parseErrors;
  const badLines = [...own.badLines];
  const chain = [own.meta?.id ?? params.path];
  let meta = own.meta;
  while (meta?.history_mode === "paginated" && meta.history_base) {
    const base = meta.history_base;
    if (chain.includes(base.thread_id) || chain.length > maxDepth) throw new ForkCycleError([...chain, base.thread_id]);
    const found = await findRolloutPath(params.home, base.thread_id, { includeArchived: true });
    if (!found) throw new MissingForkParentError(meta.id, base.thread_id);
    const parent = await readRollout(found.path, { end: base.end_byte_offset });
    prefix.unshift(parent.lines);
    segments.unshift({ threadId: base.thread_id, path: found.path, endByteOffset: base.end_byte_offset, lineCount: parent.lines.length });
    parseErrors += parent.parseErrors;
    badLines.push(...parent.badLines);
    chain.push(base.thread_id);
    meta = parent.meta;
  }
  return {
    ...own,
    lines: [...prefix.flat(), ...own.lines],
    ownLines: own.lines,
    segments,
    parseErrors,
    badLines,
  };
}

/**
 * Opens a rollout for reading, plain or `.jsonl.zst` (internal to this package: not in index.ts).
 * @throws RolloutNotFoundError when the file does not exist.
 */
export async function openForRead(path: string): Promise<RolloutBytes> {
  return openRolloutBytes(path);
}

/**
 * Where a read of `[start, requested)` stops: the requested end clamped to a plain file's size.
 * A compressed file is read until its stream ends, without decoding it first to learn its size.
 */
export function readEnd(bytes: RolloutBytes, requested: number | undefined): number {
  if (bytes.compressed) return requested ?? Number.POSITIVE_INFINITY;
  const size = bytes.size();
  return Math.min(requested ?? size, size);
}
