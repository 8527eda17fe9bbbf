import type { RolloutBytes } from "./rollout-bytes.js";

/** One line's bytes, without its `\n`. */
export interface RawLine {
  bytes: Buffer;
  /** UTF-8 byte offset of the line's first byte in the file. */
  byteOffset: number;
  /** Bytes the line occupies, including its `\n` when terminated. */
  byteLength: number;
  /** False for a final fragment with no `\n` (a torn tail, or a range that ends mid-line). */
  terminated: boolean;
}

const NL = 0x0a;
/** Read size: large enough that a 50 MB line takes ~50 reads, small enough to bound memory per file. */
export const CHUNK_SIZE = 1 << 20;

/**
 * Splits a stream of chunks on `\n` at the byte level. A line that spans chunks is kept as a
 * list of pieces and joined once, so a huge line costs one copy, not one per chunk.
 */
export class LineSplitter {
  #pieces: Buffer[] = [];
  #pieceBytes = 0;
  #lineStart: number;

  constructor(startOffset: number) {
    this.#lineStart = startOffset;
  }

  /** Feeds the next chunk; returns the lines it completes. */
  push(chunk: Buffer): RawLine[] {
    const out: RawLine[] = [];
    let from = 0;
    for (let at = chunk.indexOf(NL, from); at !== -1; at = chunk.indexOf(NL, from)) {
      const piece = chunk.subarray(from, at);
      const bytes = this.#pieces.length === 0 ? piece : Buffer.concat([...this.#pieces, piece]);
      out.push({ bytes, byteOffset: this.#lineStart, byteLength: bytes.length + 1, terminated: true });
      this.#lineStart += bytes.length + 1;
      this.#pieces = [];
      this.#pieceBytes = 0;
      from = at + 1;
    }
    if (from < chunk.length) {
      this.#pieces.push(chunk.subarray(from));
      this.#pieceBytes += chunk.length - from;
    }
    return out;
  }

  /** The unterminated remainder, if any. */
  end(): RawLine | undefined {
    if (this.#pieceBytes === 0) return undefined;
    const bytes = Buffer.concat(this.#pieces);
    this.#pieces = [];
    this.#pieceBytes = 0;
    return { bytes, byteOffset: this.#lineStart, byteLength: bytes.length, terminated: false };
  }
}

/** Lines of `[start, end)` of a rollout's plain bytes, read in chunks (`end` may be Infinity: to the end). */
export function* readLinesSync(bytes: RolloutBytes, start: number, end: number, chunkSize = CHUNK_SIZE): Generator<RawLine> {
  const splitter = new LineSplitter(start);
  let pos = start;
  while (pos < end) {
    const chunk = Buffer.allocUnsafe(Math.min(chunkSize, end - pos));
    const bytesRead = bytes.readSync(chunk, 0, chunk.length, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    yield* splitter.push(chunk.subarray(0, bytesRead));
  }
  const tail = splitter.end();
  if (tail) yield tail;
}

/** True when the line holds only ASCII whitespace. */
export function isBlank(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}

const ENVELOPE_RE = /^\{"timestamp":"([^"]*)",(?:"ordinal":(\d+),)?"type":"([a-z_]+)","payload":\{"type":"([A-Za-z_]+)"/;
const ENVELOPE_NO_PAYLOAD_TYPE_RE = /^\{"timestamp":"([^"]*)",(?:"ordinal":(\d+),)?"type":"([a-z_]+)"/;

/** What the first bytes of a Codex-written line say, without parsing it. */
export interface SniffedLine {
  timestamp: string;
  ordinal?: number;
  type: string;
  /** `payload.type` when it is the payload's first key (event_msg and response_item lines). */
  payloadType?: string;
}

/**
 * Reads the record kind from a line's first bytes, relying on the key order Codex and Skein
 * write. Returns undefined for any other layout; callers then fall back to `JSON.parse`.
 */
export function sniffLine(bytes: Buffer): SniffedLine | undefined {
  const head = bytes.toString("latin1", 0, Math.min(bytes.length, 256));
  const m = ENVELOPE_RE.exec(head) ?? ENVELOPE_NO_PAYLOAD_TYPE_RE.exec(head);
  if (!m) return undefined;
  const out: SniffedLine = { timestamp: m[1]!, type: m[3]! };
  if (m[2] !== undefined) out.ordinal = Number(m[2]);
  if (m[4] !== undefined) out.payloadType = m[4];
  return out;
}
