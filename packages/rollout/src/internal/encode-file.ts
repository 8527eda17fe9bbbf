import { createHash } from "node:crypto";
import { closeSync, fchmodSync, fstatSync, ftruncateSync, futimesSync, openSync, readSync, writeSync } from "node:fs";
import { Decompress } from "fzstd";
import type { ZstdStreamEncoder } from "./wasm-zstd-encoder.js";

// One rollout encoded into its temp file and checked (docs/storage-care.md, "Speed"): the step
// of `compressRolloutFiles` that runs on the encoding thread (`encode-worker.ts`), or in-process
// when there is none.

/** A plain rollout to encode into its open temp file, with the source's facts to carry over. */
export interface EncodeFileJob {
  plain: string;
  /** The temp file, open for writing (a descriptor of the process: valid on any of its threads). */
  fd: number;
  level: number;
  /** The source's size, mode and times when it was listed. */
  size: number;
  mode: number;
  atimeMs: number;
  mtimeMs: number;
  /** The temp may hold part of an abandoned attempt (cut to the new frame's length). */
  rewrite?: boolean;
}

/** The temp file written: its size and modification time (the source's). */
export interface EncodedFile {
  compressedBytes: number;
  mtimeMs: number;
}

/**
 * Streams the plain file through zstd into its temp file (`job.fd`, left open for the batch's
 * fsync), then gives the temp the source's mode and times. The frame written is decoded back and
 * must give exactly the plain bytes read, else the copy is refused (thrown). Undefined when the
 * source no longer has the size it had (it changed: the caller drops the copy). Synchronous from
 * `begin` to `end`: the wasm encoder's stream state is shared by its whole thread.
 */
export function encodeFileToTemp(encoder: ZstdStreamEncoder, job: EncodeFileJob, buffer: Buffer): EncodedFile | undefined {
  const check = decodeCheck(encoder, job.size, buffer.length);
  let written = 0;
  const emit = (out: Uint8Array): void => {
    // At explicit offsets from 0: a file another thread began and abandoned is rewritten whole.
    for (let off = 0; off < out.length; ) off += writeSync(job.fd, out, off, out.length - off, written + off);
    written += out.length;
    check.frame(out);
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
      check.plain(piece);
      emit(encoder.chunk(piece));
    }
    emit(encoder.end());
  } finally {
    closeSync(input);
  }
  if (read !== job.size) return undefined;
  if (job.rewrite) ftruncateSync(job.fd, written); // nothing of an abandoned longer attempt stays after the frame
  const decoded = check.verify();
  if (decoded !== true) {
    throw new Error(`compressed copy of ${job.plain} does not decode to its ${read} bytes (${decoded})`);
  }
  fchmodSync(job.fd, job.mode & 0o777);
  // Rounded to the millisecond, as `Stats` makes its dates.
  futimesSync(job.fd, new Date(Math.round(job.atimeMs)), new Date(Math.round(job.mtimeMs)));
  return { compressedBytes: written, mtimeMs: fstatSync(job.fd).mtimeMs };
}

/** Frames up to this plain size are checked in one libzstd call; larger ones stream (bounded memory). */
const ONE_CALL_CHECK_BYTES = 32 << 20;

/** The decode-back check of one frame: fed the plain bytes read and the frame's pieces, then verified. */
interface DecodeCheck {
  /** Plain bytes as read (the view may be reused by the next read). */
  plain(piece: Uint8Array): void;
  /** The frame's next piece, as written. */
  frame(piece: Uint8Array): void;
  /** True when the frame decodes to exactly the plain bytes; else what differs. */
  verify(): true | string;
}

/**
 * The decode-back check. Frames small enough are decoded in one call of the wasm decoder (about
 * 4x faster than fzstd, whose streaming mode moves its whole window after every block) and
 * compared byte for byte with the plain bytes kept in memory (no hash pass over either). Larger
 * ones stream through fzstd, the SHA-256 of the decoded bytes compared with that of the plain
 * bytes (bounded memory).
 */
function decodeCheck(encoder: ZstdStreamEncoder, plainSize: number, readSize: number): DecodeCheck {
  if (encoder.decodeFrame && plainSize <= ONE_CALL_CHECK_BYTES) {
    const decodeFrame = encoder.decodeFrame;
    const plain: Uint8Array[] = [];
    const frame: Uint8Array[] = [];
    // A file read in one piece is compared from the read buffer itself (no later read overwrites
    // it: the read after it finds the end); one in several pieces keeps copies.
    const keepCopies = plainSize >= readSize;
    return {
      plain: (piece) => void plain.push(keepCopies ? Buffer.from(piece) : piece),
      frame: (piece) => void frame.push(piece),
      verify() {
        const expected = plain.length === 1 ? plain[0]! : Buffer.concat(plain);
        let outcome: true | string = true;
        // One byte of room more than expected: a frame decoding to more fails the size check.
        decodeFrame(frame.length === 1 ? frame[0]! : Buffer.concat(frame), plainSize + 1, (decoded) => {
          if (decoded.length !== expected.length) outcome = `decoded ${decoded.length}`;
          else if (Buffer.compare(decoded, expected) !== 0) outcome = "decoded bytes differ";
        });
        return outcome;
      },
    };
  }
  const plainHash = createHash("sha256");
  const decodedHash = createHash("sha256");
  let decodedBytes = 0;
  let plainBytes = 0;
  const decoder = new Decompress((data) => {
    decodedBytes += data.length;
    decodedHash.update(data);
  });
  const pieces: Uint8Array[] = [];
  return {
    plain(piece) {
      plainBytes += piece.length;
      plainHash.update(piece);
    },
    frame: (piece) => {
      // One piece behind: the last one is pushed with `final` by verify().
      if (pieces.length > 0) decoder.push(pieces.pop()!, false);
      pieces.push(piece);
    },
    verify() {
      decoder.push(pieces.pop() ?? new Uint8Array(0), true);
      if (decodedBytes !== plainBytes) return `decoded ${decodedBytes}`;
      return plainHash.digest().equals(decodedHash.digest()) ? true : "decoded bytes differ";
    },
  };
}
