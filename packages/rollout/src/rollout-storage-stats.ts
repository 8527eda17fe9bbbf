import { closeSync, fstatSync, readSync } from "node:fs";
import { Zstd } from "@hpcc-js/wasm-zstd";
import { isCompressedRolloutPath } from "./compression-paths.js";
import { ROLLOUT_COMPRESSION_LEVEL } from "./compress-rollouts.js";
import { CorruptCompressedRolloutError } from "./errors.js";
import { openRolloutFd } from "./internal/rollout-bytes.js";
import { ZstdDataError, decodeZstdFileSync } from "./internal/zstd-stream.js";

// What `skein du --deep` learns by reading a rollout once (docs/storage-care.md): its plain size,
// how much of it is inline images (`data:image/…` URLs, base64 text Codex stores for screenshots),
// and, for a plain file, what zstd at Codex's level would make of it (nothing is written).

/** Byte counts of one rollout. */
export interface RolloutStorageStats {
  /** Size on disk. */
  diskBytes: number;
  /** Size of the plain JSONL text (decoded for a `.jsonl.zst`). */
  plainBytes: number;
  /** Plain bytes inside inline `data:image/…` URLs. */
  imageBytes: number;
  /** Size the file has (compressed) or would have (plain) as a `.jsonl.zst`. */
  zstdBytes: number;
}

const PATTERN = Buffer.from("data:image/");
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const CHUNK = 4 << 20;

let encoder: Promise<Zstd> | undefined;

/**
 * Reads the rollout once and counts its plain, image and zstd bytes. Memory: one chunk.
 * @throws RolloutNotFoundError when the file does not exist; CorruptCompressedRolloutError when a `.jsonl.zst` does not decode.
 */
export async function measureRolloutStorage(path: string): Promise<RolloutStorageStats> {
  const compressed = isCompressedRolloutPath(path);
  const zstd = compressed ? undefined : await (encoder ??= Zstd.load());
  const fd = openRolloutFd(path);
  try {
    const diskBytes = fstatSync(fd).size;
    const images = new ImageByteCounter();
    if (compressed) {
      let plainBytes: number;
      try {
        plainBytes = decodeZstdFileSync(fd, (data) => images.push(data));
      } catch (err) {
        if (err instanceof ZstdDataError) throw new CorruptCompressedRolloutError(path, { cause: err });
        throw err;
      }
      return { diskBytes, plainBytes, imageBytes: images.bytes, zstdBytes: diskBytes };
    }
    // Synchronous from reset() to compressEnd(): the wasm encoder's stream state is per process.
    zstd!.reset();
    zstd!.setCompressionLevel(ROLLOUT_COMPRESSION_LEVEL);
    let zstdBytes = 0;
    let plainBytes = 0;
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, plainBytes);
      if (n === 0) break;
      plainBytes += n;
      const data = buffer.subarray(0, n);
      images.push(data);
      zstdBytes += zstd!.compressChunk(data).length;
    }
    zstdBytes += zstd!.compressEnd().length;
    return { diskBytes, plainBytes, imageBytes: images.bytes, zstdBytes };
  } finally {
    closeSync(fd);
  }
}

/**
 * Counts the bytes of `data:image/…` URLs in a byte stream fed in pieces: from the `d` to the
 * closing quote (or an escape, or the end of the line), across piece boundaries.
 */
export class ImageByteCounter {
  bytes = 0;
  #inImage = false;
  #carry: Buffer = Buffer.alloc(0);

  push(piece: Uint8Array): void {
    const buf = this.#carry.length > 0 ? Buffer.concat([this.#carry, piece]) : Buffer.from(piece.buffer, piece.byteOffset, piece.length);
    this.#carry = Buffer.alloc(0);
    let i = 0;
    while (i < buf.length) {
      if (this.#inImage) {
        while (i < buf.length && buf[i] !== QUOTE && buf[i] !== BACKSLASH && buf[i] !== NEWLINE) {
          this.bytes++;
          i++;
        }
        if (i < buf.length) this.#inImage = false;
        continue;
      }
      const at = buf.indexOf(PATTERN, i);
      if (at < 0) {
        // A pattern may straddle the boundary: keep the tail that could start one.
        this.#carry = Buffer.from(buf.subarray(Math.max(i, buf.length - (PATTERN.length - 1))));
        return;
      }
      this.bytes += PATTERN.length;
      i = at + PATTERN.length;
      this.#inImage = true;
    }
  }
}
