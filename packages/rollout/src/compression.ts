import { closeSync, fchmodSync, fstatSync, fsyncSync, openSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { CorruptCompressedRolloutError, RolloutWriteError } from "./errors.js";
import { compressedRolloutPath, isCompressedRolloutPath, plainRolloutPath } from "./compression-paths.js";
import { compressRolloutFiles, type CompressRolloutOptions, type CompressRolloutResult } from "./compress-rollouts.js";
import { exists, linkNoClobber, statOrNotFound, syncFolder, tempPathFor, unlinkQuietly, writeFully, TEMP_SUFFIX } from "./internal/file-steps.js";
import { ZstdDataError, decodeZstdFileSync } from "./internal/zstd-stream.js";

// Moving a rollout between its two forms the way Codex 0.169 does (docs/compressed-rollouts.md):
// the new form is written to a temp file in the same folder, synced, then linked into place
// without replacing anything, and only then is the old form removed. At every moment at least one
// complete form exists, and a reader that finds both reads the plain one. Many files at once:
// `compressRolloutFiles` (compress-rollouts.ts).

/**
 * Compresses one plain rollout to `<path>.zst` and removes the plain file (see
 * {@link compressRolloutFiles}, which does many at once for the price of one).
 * @throws RolloutNotFoundError when `path` does not exist; RolloutWriteError on I/O failure.
 */
export async function compressRolloutFile(path: string, options: CompressRolloutOptions = {}): Promise<CompressRolloutResult> {
  statOrNotFound(plainRolloutPath(path));
  const [result] = await compressRolloutFiles([path], options);
  return result!;
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

const TEMP_PREFIXES = ["rollout-compress-", "rollout-decompress-"];
const THREAD_ID_IN_NAME = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl(?:\.zst)?-[0-9a-f]+\.tmp$/i;

/** True when `name` is a temp file this module (or Codex's worker) leaves only if it crashed. */
export function isRolloutTempFileName(name: string): boolean {
  return TEMP_PREFIXES.some((prefix) => name.startsWith(prefix)) && name.endsWith(TEMP_SUFFIX);
}

/**
 * The thread a rollout temp file belongs to, when its name says (Skein's temps embed the target's
 * name: `rollout-compress-<rollout name>.zst-<random>.tmp`); undefined for other names, such as
 * Codex's `rollout-compress-<random>.tmp`.
 */
export function rolloutTempThreadId(name: string): string | undefined {
  if (!isRolloutTempFileName(name)) return undefined;
  return THREAD_ID_IN_NAME.exec(name)?.[1]?.toLowerCase();
}

export { isCompressedRolloutPath };
