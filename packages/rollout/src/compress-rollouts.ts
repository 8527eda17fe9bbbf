import { closeSync, open, stat, statSync, unlink, type Stats } from "node:fs";
import { promisify } from "node:util";
import { dirname } from "node:path";
import { RolloutWriteError } from "./errors.js";
import { compressedRolloutPath, plainRolloutPath } from "./compression-paths.js";
import { loadZstdEncoder } from "./internal/wasm-zstd-encoder.js";
import { encodeThread } from "./internal/encode-thread.js";
import { encodeBatch } from "./internal/encode-batch.js";
import type { EncodeFileJob, EncodedFile } from "./internal/encode-file.js";
import { exists, linkNoClobber, sameFile, sameIdentity, syncAll, syncFolders, tempPathFor, unlinkQuietly } from "./internal/file-steps.js";

// Compressing many rollouts in one pass, each exactly as Codex 0.169's worker does one
// (docs/compressed-rollouts.md; the batching in docs/storage-care.md, "Speed"). Per file: a temp
// file in the same folder, one zstd frame (level 3) checked by decoding it back, the source's
// mtime and mode. Per batch, in this order, so that the compressed file is complete and on disk
// before its plain file goes and there is never a moment with neither:
//   1. every temp file written and verified, each fsync issued as soon as its file is written (on
//      libuv's threads, while the next file encodes), all awaited;
//   2. each temp linked to `<name>.zst` without clobbering (if its source is unchanged), then one
//      fsync per folder: the new names are on disk;
//   3. each plain file unlinked (if still unchanged), the temps removed, then one fsync per folder.

/** zstd level Codex's compression worker uses. */
export const ROLLOUT_COMPRESSION_LEVEL = 3;

/** What happened to one rollout. */
export interface CompressRolloutResult {
  /** `changed`: the source changed (or vanished) meanwhile; nothing was replaced. */
  outcome: "compressed" | "already_compressed" | "changed";
  /** The `.jsonl.zst` path (also when it already existed). */
  path: string;
  sourceBytes: number;
  /** Size of the compressed file written; absent unless `outcome` is `compressed`. */
  compressedBytes?: number;
  /** Modification time of the compressed file (the source's); absent unless `outcome` is `compressed`. */
  mtimeMs?: number;
}

/** The batch's steps, in order, each reached once per batch (for crash tests). */
export type CompressBatchStep = "temps-synced" | "linked" | "plain-removed";

/** Options of {@link compressRolloutFiles}. */
export interface CompressRolloutOptions {
  /** zstd level (default {@link ROLLOUT_COMPRESSION_LEVEL}). */
  level?: number;
  /** Called after each step of the batch. */
  onStep?: (step: CompressBatchStep) => void;
  /**
   * The sources' `stat`s, in the order of the paths, when the caller took them just before (under
   * its writer locks); each is then not taken again. Undefined entries are taken here.
   */
  sourceStats?: readonly (Stats | undefined)[];
}

/**
 * Starts loading the zstd encoder now (its wasm compiles on V8's background threads), so that a
 * caller with other work to do first (listing, locks) does not wait for it later.
 */
export function preloadRolloutCompression(): void {
  encodeThread(); // the encoding thread starts and loads its own encoder now
  loadZstdEncoder().catch(() => undefined); // a failure shows again, as an error, on first use
}

interface Pending {
  plain: string;
  target: string;
  before: Stats;
  temp?: string;
  fd?: number;
  compressedBytes?: number;
  mtimeMs?: number;
  linked?: boolean;
  result?: CompressRolloutResult;
}

/**
 * Compresses plain rollouts to `<path>.zst` and removes the plain files, in the order above. A
 * `.zst` that already exists is left alone (`already_compressed`); a source that changes or
 * vanishes meanwhile is left alone too (`changed`). The caller must hold each thread's writer
 * lock, or know nobody appends to them. Results are in the order of `paths`.
 * @throws RolloutWriteError on an I/O failure (no temp file is left; files already moved stay moved).
 */
export async function compressRolloutFiles(paths: readonly string[], options: CompressRolloutOptions = {}): Promise<CompressRolloutResult[]> {
  const level = options.level ?? ROLLOUT_COMPRESSION_LEVEL;
  const items: Pending[] = [];
  for (const [i, path] of paths.entries()) {
    const plain = plainRolloutPath(path);
    const target = compressedRolloutPath(plain);
    const before = options.sourceStats?.[i] ?? statSync(plain, { throwIfNoEntry: false });
    if (!before) items.push({ plain, target, before: undefined as unknown as Stats, result: { outcome: "changed", path: target, sourceBytes: 0 } });
    else if (exists(target)) items.push({ plain, target, before, result: { outcome: "already_compressed", path: target, sourceBytes: before.size } });
    else items.push({ plain, target, before });
  }
  const work = items.filter((item) => !item.result);
  const syncing: Promise<void>[] = [];
  let encoding: Promise<void> | undefined;
  try {
    if (work.length > 0) {
      // The temps are created together on libuv's threads: a create waits on the filesystem's
      // journal (~0.1-0.4 ms here), and those waits overlap.
      await settleAll(work.map((item) => createTemp(item)));
      const jobs = work.map((item): EncodeFileJob => ({ plain: item.plain, fd: item.fd!, level, size: item.before.size, mode: item.before.mode, atimeMs: item.before.atimeMs, mtimeMs: item.before.mtimeMs }));
      // Each temp's fsync starts as soon as it is written: the disk works while the next file encodes.
      encoding = encodeBatch(jobs, (i, done) => void (done ? syncing.push(syncWritten(work[i]!, done)) : dropChanged(work[i]!)));
      await encoding;
    }
    const encoded = work.filter((item) => !item.result);
    await Promise.all(syncing);
    for (const item of encoded) closeFd(item);
    options.onStep?.("temps-synced");
    for (const item of encoded) {
      if (!sameFile(item.plain, item.before)) item.result = { outcome: "changed", path: item.target, sourceBytes: item.before.size };
      else if (!linkNoClobber(item.temp!, item.target)) item.result = { outcome: "already_compressed", path: item.target, sourceBytes: item.before.size };
      else item.linked = true;
    }
    const linked = encoded.filter((item) => item.linked);
    await syncFolders(linked.map((item) => dirname(item.target)));
    options.onStep?.("linked");
    // Each plain file goes once its compressed name is on disk, all together on libuv's threads
    // (an unlink, too, mostly waits on the journal), each right after its own identity check.
    await settleAll(linked.map((item) => removePlain(item)));
    await settleAll(work.map((item) => removeTemp(item)));
    await syncFolders(linked.map((item) => dirname(item.target)));
    options.onStep?.("plain-removed");
  } catch (err) {
    const failed = work.find((item) => !item.result) ?? work[0];
    throw err instanceof RolloutWriteError ? err : new RolloutWriteError(failed?.target ?? "", { cause: err });
  } finally {
    await encoding?.catch(() => undefined); // no fd is closed under a pending write or fsync
    await Promise.allSettled(syncing);
    for (const item of work) {
      closeFd(item);
      if (item.temp) unlinkQuietly(item.temp);
    }
  }
  return items.map((item) => item.result!);
}

/** Notes the written temp's size and mtime and starts its fsync. */
function syncWritten(item: Pending, done: EncodedFile): Promise<void> {
  item.compressedBytes = done.compressedBytes;
  item.mtimeMs = done.mtimeMs;
  return syncAll([item.fd!]);
}

/** The source changed before it was encoded: its temp is closed, the thread's file stays as it is. */
function dropChanged(item: Pending): void {
  closeFd(item);
  item.result = { outcome: "changed", path: item.target, sourceBytes: item.before.size };
}

/** Waits for every one of `steps` (none is left running), then throws the first failure if any. */
async function settleAll(steps: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((step) => step.status === "rejected");
  if (failed) throw failed.reason;
}

// The callback forms run on libuv's threads like `fs/promises`, without a FileHandle per file.
const openAsync = promisify(open);
const statAsync = promisify(stat);
const unlinkAsync = promisify(unlink);

/** Creates the item's temp file next to its target (exclusive, 0600), open for writing. */
async function createTemp(item: Pending): Promise<void> {
  const temp = tempPathFor(item.target, "rollout-compress-");
  item.fd = await openAsync(temp, "wx", 0o600);
  item.temp = temp;
}

/** Unlinks the plain file if it is still the file compressed; else drops the new name (the plain file stays the thread's). */
async function removePlain(item: Pending): Promise<void> {
  const now = await statAsync(item.plain).catch(() => undefined);
  if (!sameIdentity(now, item.before)) {
    unlinkQuietly(item.target);
    item.result = { outcome: "changed", path: item.target, sourceBytes: item.before.size };
    return;
  }
  await unlinkAsync(item.plain);
  item.result = { outcome: "compressed", path: item.target, sourceBytes: item.before.size, compressedBytes: item.compressedBytes!, mtimeMs: item.mtimeMs! };
}

/** Unlinks the item's temp file, if any (a compressed copy has its own name by now). */
async function removeTemp(item: Pending): Promise<void> {
  const temp = item.temp;
  if (temp === undefined) return;
  item.temp = undefined;
  await unlinkAsync(temp).catch(() => undefined);
}

function closeFd(item: Pending): void {
  if (item.fd === undefined) return;
  const fd = item.fd;
  item.fd = undefined;
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}
