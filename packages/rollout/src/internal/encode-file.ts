import { createHash } from "node:crypto";
import { closeSync, fchmodSync, futimesSync, openSync, readSync } from "node:fs";
import { Decompress } from "fzstd";
import type { ZstdStreamEncoder } from "./wasm-zstd-encoder.js";
import { writeFully } from "./file-steps.js";

// One rollout encoded into its temp file and checked (docs/storage-care.md, "Speed"). Runs on
// the calling thread or in the compression worker (compress-worker.ts): everything it needs comes
// in the job, and what it leaves is an open file descriptor (process-wide, so the calling thread
// fsyncs and closes it whichever thread wrote the file).

/** One file to encode: the temp path is chosen by the caller (which removes it on failure). */
export interface EncodeJob {
  plain: string;
  temp: string;
  /** Size, mode and times of the plain file when the batch began. */
  size: number;
  mode: number;
  atime: Date;
  mtime: Date;
  level: number;
}

/** The temp file written, checked and still open; or `changed` (the source no longer had its size; nothing left open). */
export type EncodeOutcome = { fd: number; compressedBytes: number } | "changed";

/**
 * Streams the plain file through zstd into the new temp file. Each compressed piece is also fed
 * to a decoder; the decoded bytes must hash like the plain bytes read, else the copy is refused.
 * Synchronous from `begin` to `end`: the wasm encoder's stream state is shared by its thread.
 * @throws Error on an I/O failure or a failed check (the temp's descriptor is closed first).
 */
export function encodeFileToTemp(encoder: ZstdStreamEncoder, job: EncodeJob, buffer: Buffer): EncodeOutcome {
  const fd = openSync(job.temp, "wx", 0o600);
  try {
    const outcome = encodeInto(encoder, job, buffer, fd);
    if (outcome === "changed") closeSync(fd);
    return outcome;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function encodeInto(encoder: ZstdStreamEncoder, job: EncodeJob, buffer: Buffer, fd: number): EncodeOutcome {
  const plainHash = createHash("sha256");
  const check = decodeCheck(encoder, job.size);
  let written = 0;
  const emit = (out: Uint8Array, last: boolean): void => {
    if (out.length > 0) writeFully(fd, out);
    written += out.length;
    check.push(out, last);
  };
  const input = openSync(job.plain, "r");
  let read = 0;
  try {
    encoder.begin(job.level);
    for (;;) {
      const n = readSync(input, buffer, 0, buffer.length, read);
      if (n === 0) break;
      read += n;
      const piece = buffer.subarray(0, n);
      plainHash.update(piece);
      emit(encoder.chunk(piece), false);
    }
    emit(encoder.end(), true);
  } finally {
    closeSync(input);
  }
  if (read !== job.size) return "changed";
  const decoded = check.result();
  if (decoded.bytes !== read || !plainHash.digest().equals(decoded.hash)) {
    throw new Error(`compressed copy of ${job.plain} does not decode to its ${read} bytes (decoded ${decoded.bytes})`);
  }
  fchmodSync(fd, job.mode & 0o777);
  futimesSync(fd, job.atime, job.mtime);
  return { fd, compressedBytes: written };
}

/** Frames up to this plain size are checked in one libzstd call; larger ones stream (bounded memory). */
const ONE_CALL_CHECK_BYTES = 32 << 20;

/**
 * The decode-back check: the frame's pieces as they are written, decoded, hashed. In one call of
 * the wasm decoder when the frame is small enough (about 4x faster than fzstd, whose streaming
 * mode also moves its whole window after every block), else through fzstd's streaming decoder.
 */
function decodeCheck(encoder: ZstdStreamEncoder, plainSize: number): { push(piece: Uint8Array, last: boolean): void; result(): { bytes: number; hash: Buffer } } {
  const hash = createHash("sha256");
  let bytes = 0;
  const take = (data: Uint8Array): void => {
    bytes += data.length;
    hash.update(data);
  };
  if (encoder.decodeFrame && plainSize <= ONE_CALL_CHECK_BYTES) {
    const decodeFrame = encoder.decodeFrame;
    const pieces: Uint8Array[] = [];
    return {
      push(piece, last) {
        pieces.push(piece);
        // One byte of room more than expected: a frame decoding to more fails the size check.
        if (last) decodeFrame(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), plainSize + 1, take);
      },
      result: () => ({ bytes, hash: hash.digest() }),
    };
  }
  const decoder = new Decompress((data) => take(data));
  return {
    push: (piece, last) => decoder.push(piece, last),
    result: () => ({ bytes, hash: hash.digest() }),
  };
}

