import { readSync } from "node:fs";
import { Decompress } from "fzstd";

// Streaming zstd decoding of a `.jsonl.zst` rollout (docs/compressed-rollouts.md). A zstd stream
// cannot be entered in the middle, so positions are decompressed-byte offsets reached by decoding
// forward; the most recent WINDOW bytes stay in memory so that a reader going forward, or a little
// backward (a reverse page, a fingerprint before the end), does not start over. Memory is bounded
// by the window plus one input chunk whatever the file's size.

/** Compressed bytes read per step. */
const INPUT_CHUNK = 1 << 20;
/** Decompressed bytes kept behind the decode position. */
export const ZSTD_WINDOW = 32 << 20;

/** What a damaged or truncated `.jsonl.zst` raises (mapped to a typed error by callers). */
export class ZstdDataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ZstdDataError";
  }
}

/**
 * A forward decoder of one compressed file with a window of recent output. `readAt` serves any
 * range: inside the window from memory, ahead of it by decoding on, behind it by starting over.
 */
export class ZstdWindowReader {
  readonly #fd: number;
  #decoder!: Decompress;
  #inputPos = 0;
  #ended = false;
  /** Decoded chunks still held, oldest first, and the offset of the first one's first byte. */
  #chunks: Uint8Array[] = [];
  #windowStart = 0;
  #windowEnd = 0;
  /** Output of the last `push`, collected by the decoder callback. */
  #fresh: Uint8Array[] = [];
  /** Decompressed size, once a pass reached the end. */
  #size: number | undefined;

  readonly #window: number;

  constructor(fd: number, knownSize?: number, window = ZSTD_WINDOW) {
    this.#fd = fd;
    this.#size = knownSize;
    this.#window = window;
    this.#restart();
  }

  /** The decompressed size; decodes to the end the first time (the window keeps the tail). */
  size(): number {
    while (this.#size === undefined) this.#step(Number.POSITIVE_INFINITY);
    return this.#size;
  }

  /** The size if a pass already reached the end, else undefined (no decoding). */
  knownSize(): number | undefined {
    return this.#size;
  }

  /** Copies up to `length` decompressed bytes at `position` into `into[offset…]`; 0 at the end. */
  readAt(into: Uint8Array, offset: number, length: number, position: number): number {
    if (length <= 0) return 0;
    if (position < this.#windowStart) this.#restart();
    while (this.#windowEnd < position + length && !this.#ended) this.#step(position);
    if (position >= this.#windowEnd) return 0;
    const end = Math.min(position + length, this.#windowEnd);
    let copied = 0;
    let chunkStart = this.#windowStart;
    for (const chunk of this.#chunks) {
      const chunkEnd = chunkStart + chunk.length;
      if (chunkEnd > position + copied && chunkStart < end) {
        const from = position + copied - chunkStart;
        const to = Math.min(chunk.length, end - chunkStart);
        into.set(chunk.subarray(from, to), offset + copied);
        copied += to - from;
      }
      if (chunkEnd >= end) break;
      chunkStart = chunkEnd;
    }
    return copied;
  }

  #restart(): void {
    this.#decoder = new Decompress((data) => {
      if (data.length > 0) this.#fresh.push(data);
    });
    this.#inputPos = 0;
    this.#ended = false;
    this.#chunks = [];
    this.#windowStart = 0;
    this.#windowEnd = 0;
  }

  /**
   * Decodes one input chunk (or ends the stream) and slides the window, never past `keepFrom`
   * (the start of a range being read: one step can decode more than a window's worth).
   */
  #step(keepFrom: number): void {
    if (this.#ended) return;
    // A fresh buffer per read: the decoder may keep a reference to unconsumed input.
    const input = Buffer.allocUnsafe(INPUT_CHUNK);
    const n = readSync(this.#fd, input, 0, input.length, this.#inputPos);
    this.#inputPos += n;
    try {
      if (n === 0) this.#decoder.push(new Uint8Array(0), true);
      else this.#decoder.push(input.subarray(0, n));
    } catch (err) {
      throw new ZstdDataError(`invalid zstd data: ${(err as Error).message}`, { cause: err });
    }
    for (const data of this.#fresh) {
      this.#chunks.push(data);
      this.#windowEnd += data.length;
    }
    this.#fresh = [];
    if (n === 0) {
      this.#ended = true;
      this.#size = this.#windowEnd;
    }
    while (
      this.#chunks.length > 1 &&
      this.#windowStart + this.#chunks[0]!.length <= keepFrom &&
      this.#windowEnd - this.#windowStart - this.#chunks[0]!.length >= this.#window
    ) {
      this.#windowStart += this.#chunks.shift()!.length;
    }
  }
}

/**
 * Decodes a whole compressed file front to back, handing each decoded piece to `onData` (which
 * must copy what it keeps). Memory: one input chunk and the decoder's own window.
 * @throws ZstdDataError for data that is not valid zstd or ends mid-frame.
 */
export function decodeZstdFileSync(fd: number, onData: (data: Uint8Array) => void): number {
  let total = 0;
  const decoder = new Decompress((data) => {
    if (data.length === 0) return;
    total += data.length;
    onData(data);
  });
  let position = 0;
  for (;;) {
    const input = Buffer.allocUnsafe(INPUT_CHUNK);
    const n = readSync(fd, input, 0, input.length, position);
    position += n;
    try {
      if (n === 0) {
        decoder.push(new Uint8Array(0), true);
        return total;
      }
      decoder.push(input.subarray(0, n));
    } catch (err) {
      throw new ZstdDataError(`invalid zstd data: ${(err as Error).message}`, { cause: err });
    }
  }
}
