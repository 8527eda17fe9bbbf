import { randomBytes } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  futimesSync,
  linkSync,
  openSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { Zstd } from "@hpcc-js/wasm-zstd";
import { CorruptCompressedRolloutError, RolloutNotFoundError, RolloutWriteError } from "./errors.js";
import { compressedRolloutPath, isCompressedRolloutPath, plainRolloutPath } from "./compression-paths.js";
import { ZstdDataError, decodeZstdFileSync } from "./internal/zstd-stream.js";

// Moving a rollout between its two forms the way Codex 0.169 does (docs/compressed-rollouts.md):
// the new form is written to a temp file in the same folder, synced, then linked into place
// without replacing anything, and only then is the old form removed. At every moment at least one
// complete form exists, and a reader that finds both reads the plain one.

/** zstd level Codex's compression worker uses. */
export const ROLLOUT_COMPRESSION_LEVEL = 3;
/** Plain bytes handed to the streaming encoder at a time: a 1 GB rollout compresses in bounded memory. */
const INPUT_BYTES = 4 << 20;
const TEMP_SUFFIX = ".tmp";

/** What {@link compressRolloutFile} did. */
export interface CompressRolloutResult {
  outcome: "compressed" | "already_compressed" | "changed";
  /** The `.jsonl.zst` path (also when it already existed). */
  path: string;
  sourceBytes: number;
  /** Size of the compressed file written; absent unless `outcome` is `compressed`. */
  compressedBytes?: number;
}

/** Options of {@link compressRolloutFile}. */
export interface CompressRolloutOptions {
  /** zstd level (default {@link ROLLOUT_COMPRESSION_LEVEL}). */
  level?: number;
}

let encoder: Promise<Zstd> | undefined;

/**
 * Compresses a plain rollout to `<path>.zst` and removes the plain file, atomically in Codex's
 * way: a temp file in the same folder, verified by decoding it, given the source's mtime and
 * mode, synced, linked into place without clobbering; the plain file is removed only if it did
 * not change meanwhile (else the compressed copy is dropped: `outcome: "changed"`). An existing
 * `.zst` sibling is left alone (`already_compressed`). The caller must hold the thread's writer
 * lock, or know nobody appends to it.
 * @throws RolloutNotFoundError when `path` does not exist; RolloutWriteError on I/O failure.
 */
export async function compressRolloutFile(path: string, options: CompressRolloutOptions = {}): Promise<CompressRolloutResult> {
  const plain = plainRolloutPath(path);
  const target = compressedRolloutPath(plain);
  const before = statOrNotFound(plain);
  if (exists(target)) return { outcome: "already_compressed", path: target, sourceBytes: before.size };
  const zstd = await (encoder ??= Zstd.load());
  const temp = tempPathFor(target, "rollout-compress-");
  try {
    writeCompressed(zstd, plain, temp, options.level ?? ROLLOUT_COMPRESSION_LEVEL, before);
    verifyCompressed(temp, before.size);
    if (!sameFile(plain, before)) return { outcome: "changed", path: target, sourceBytes: before.size };
    const compressedBytes = statSync(temp).size;
    if (!linkNoClobber(temp, target)) return { outcome: "already_compressed", path: target, sourceBytes: before.size };
    if (!sameFile(plain, before)) {
      unlinkQuietly(target);
      return { outcome: "changed", path: target, sourceBytes: before.size };
    }
    unlinkSync(plain);
    syncFolder(dirname(plain));
    return { outcome: "compressed", path: target, sourceBytes: before.size, compressedBytes };
  } catch (err) {
    if (err instanceof RolloutNotFoundError || err instanceof CorruptCompressedRolloutError) throw err;
    throw new RolloutWriteError(target, { cause: err });
  } finally {
    unlinkQuietly(temp);
  }
}

/**
 * Makes sure a thread's plain `.jsonl` exists before an append, the way Codex materializes a
 * compressed rollout: when only `<plain>.zst` exists it is decoded to a temp file (same mode),
 * synced, linked to the plain name without clobbering, and only then removed. Returns the plain
 * path (also when neither form exists: the caller's append then reports the missing file).
 * @throws CorruptCompressedRolloutError when the compressed file does not decode (it is kept).
 */
export function restorePlainRolloutSync(path: string): string {
  const plain = plainRolloutPath(path);
  if (exists(plain)) return plain;
  const compressed = compressedRolloutPath(plain);
  let source: number;
  try {
    source = openSync(compressed, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return plain;
    throw err;
  }
  const temp = tempPathFor(plain, "rollout-decompress-");
  try {
    const mode = fstatSync(source).mode & 0o777;
    const out = openSync(temp, "wx", mode);
    try {
      fchmodSync(out, mode);
      decodeZstdFileSync(source, (data) => writeFully(out, data));
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    linkNoClobber(temp, plain);
    unlinkSync(compressed);
    syncFolder(dirname(plain));
    return plain;
  } catch (err) {
    if (err instanceof ZstdDataError) throw new CorruptCompressedRolloutError(compressed, { cause: err });
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && exists(plain)) return plain; // another process restored it first
    throw new RolloutWriteError(plain, { cause: err });
  } finally {
    closeSync(source);
    unlinkQuietly(temp);
  }
}

/** Async form of {@link restorePlainRolloutSync} (the decoding itself is CPU work on this thread). */
export async function restorePlainRollout(path: string): Promise<string> {
  return restorePlainRolloutSync(path);
}

/** True when `name` is a temp file this module (or Codex's worker) leaves only if it crashed. */
export function isRolloutTempFileName(name: string): boolean {
  return (name.startsWith("rollout-compress-") || name.startsWith("rollout-decompress-")) && name.endsWith(TEMP_SUFFIX);
}

export { isCompressedRolloutPath };

/**
 * Streams `plain` through zstd into `temp` as one frame, as Codex's worker does. Synchronous from
 * `reset()` to `compressEnd()`: the wasm encoder's stream state is shared by the whole process.
 */
function writeCompressed(zstd: Zstd, plain: string, temp: string, level: number, before: Stats): void {
  const input = openSync(plain, "r");
  const out = openSync(temp, "wx", 0o600);
  try {
    zstd.reset();
    zstd.setCompressionLevel(level);
    const buffer = Buffer.allocUnsafe(INPUT_BYTES);
    for (let position = 0; ; ) {
      const n = readSync(input, buffer, 0, buffer.length, position);
      if (n === 0) break;
      position += n;
      writeFully(out, zstd.compressChunk(buffer.subarray(0, n)));
    }
    writeFully(out, zstd.compressEnd());
    fchmodSync(out, before.mode & 0o777);
    futimesSync(out, before.atime, before.mtime);
    fsyncSync(out);
  } finally {
    closeSync(out);
    closeSync(input);
  }
}

function verifyCompressed(temp: string, expectedBytes: number): void {
  const fd = openSync(temp, "r");
  try {
    const decoded = decodeZstdFileSync(fd, () => {});
    if (decoded !== expectedBytes) throw new Error(`compressed copy decodes to ${decoded} bytes, expected ${expectedBytes}`);
  } finally {
    closeSync(fd);
  }
}

function writeFully(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

/** Links `temp` to `target` unless `target` exists; false when it did. */
function linkNoClobber(temp: string, target: string): boolean {
  try {
    linkSync(temp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

function tempPathFor(target: string, prefix: string): string {
  return join(dirname(target), `${prefix}${basename(target)}-${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`);
}

function statOrNotFound(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new RolloutNotFoundError(path, { cause: err });
    throw err;
  }
}

function sameFile(path: string, before: Stats): boolean {
  const now = statSync(path, { throwIfNoEntry: false });
  return now !== undefined && now.size === before.size && now.mtimeMs === before.mtimeMs && now.ino === before.ino;
}

function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function syncFolder(folder: string): void {
  try {
    const fd = openSync(folder, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse to fsync a folder; the rename order still holds.
  }
}
