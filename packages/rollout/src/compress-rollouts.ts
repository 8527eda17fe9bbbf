import { closeSync, statSync, unlinkSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import { RolloutWriteError } from "./errors.js";
import { compressedRolloutPath, plainRolloutPath } from "./compression-paths.js";
import { encodeFileToTemp, type EncodeJob, type EncodeOutcome } from "./internal/encode-file.js";
import { EncodeWorkerGone, encodeHelperFor, stopEncodeHelper, type EncodeHelper, type WorkerOutcome } from "./internal/encode-helper.js";
import { ENCODE_CHUNK, loadZstdEncoder } from "./internal/wasm-zstd-encoder.js";
import { exists, linkNoClobber, sameFile, syncAll, syncFolders, tempPathFor, unlinkQuietly } from "./internal/file-steps.js";

// Compressing many rollouts in one pass, each exactly as Codex 0.169's worker does one
// (docs/compressed-rollouts.md; the batching in docs/storage-care.md, "Speed"). Per file: a temp
// file in the same folder, one zstd frame (level 3) checked by decoding it back, the source's
// mtime and mode. Per batch, in this order, so that the compressed file is complete and on disk
// before its plain file goes and there is never a moment with neither:
//   1. every temp file written and verified (on this thread and, for enough bytes, in the
//      compression worker at the same time: internal/encode-helper.ts), each fsync issued as soon
//      as its file is written (on libuv's threads, while the next file encodes), all awaited;
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
}

/** The batch's steps, in order, each reached once per batch (for crash tests). */
export type CompressBatchStep = "temps-synced" | "linked" | "plain-removed";

/** Options of {@link compressRolloutFiles}. */
export interface CompressRolloutOptions {
  /** zstd level (default {@link ROLLOUT_COMPRESSION_LEVEL}). */
  level?: number;
  /** Called after each step of the batch. */
  onStep?: (step: CompressBatchStep) => void;
  /** The compression worker's entry (default: the one in this package's `dist/`; tests). */
  encodeWorkerUrl?: URL;
  /** Plain bytes in the batch from which it starts the compression worker, if none runs (default 32 MB). */
  encodeWorkerMinBytes?: number;
}

/**
 * Starts loading the zstd encoder now (its wasm compiles on V8's background threads), so that a
 * caller with other work to do first (listing, locks) does not wait for it later. Given the plain
 * bytes about to be compressed (over all batches), also starts the compression worker if they are
 * enough for it (otherwise a batch starts it when it alone has enough).
 */
export function preloadRolloutCompression(options: { expectedBytes?: number } = {}): void {
  loadZstdEncoder().catch(() => undefined); // a failure shows again, as an error, on first use
  encodeHelperFor(options.expectedBytes ?? 0);
}

/**
 * Stops the compression worker, if one runs (a later batch that needs one starts another). Call
 * it when done compressing: a process whose idle worker is still loading may not exit.
 */
export async function stopRolloutCompression(): Promise<void> {
  await stopEncodeHelper();
}

interface Pending {
  plain: string;
  target: string;
  before: Stats;
  temp?: string;
  fd?: number;
  compressedBytes?: number;
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
  for (const path of paths) {
    const plain = plainRolloutPath(path);
    const target = compressedRolloutPath(plain);
    const before = statSync(plain, { throwIfNoEntry: false });
    if (!before) items.push({ plain, target, before: undefined as unknown as Stats, result: { outcome: "changed", path: target, sourceBytes: 0 } });
    else if (exists(target)) items.push({ plain, target, before, result: { outcome: "already_compressed", path: target, sourceBytes: before.size } });
    else items.push({ plain, target, before });
  }
  const work = items.filter((item) => !item.result);
  const syncing: Promise<void>[] = [];
  try {
    if (work.length > 0) {
      const bytes = work.reduce((sum, item) => sum + item.before.size, 0);
      await encodeAll(work, level, encodeHelperFor(bytes, options.encodeWorkerUrl, options.encodeWorkerMinBytes), (item) => syncing.push(syncAll([item.fd!])));
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
    for (const item of linked) {
      if (!sameFile(item.plain, item.before)) {
        unlinkQuietly(item.target); // the plain file changed after all: it stays the thread's file
        item.result = { outcome: "changed", path: item.target, sourceBytes: item.before.size };
        continue;
      }
      unlinkSync(item.plain);
      item.result = { outcome: "compressed", path: item.target, sourceBytes: item.before.size, compressedBytes: item.compressedBytes! };
    }
    for (const item of work) unlinkQuietly(item.temp!);
    await syncFolders(linked.map((item) => dirname(item.target)));
    options.onStep?.("plain-removed");
  } catch (err) {
    const failed = work.find((item) => !item.result) ?? work[0];
    throw err instanceof RolloutWriteError ? err : new RolloutWriteError(failed?.target ?? "", { cause: err });
  } finally {
    await Promise.allSettled(syncing); // no fd is closed under a pending fsync
    for (const item of work) {
      closeFd(item);
      if (item.temp) unlinkQuietly(item.temp);
    }
  }
  return items.map((item) => item.result!);
}

/** Files the worker holds at once: one encoding while others' fsyncs run. */
const WORKER_IN_FLIGHT = 3;

/**
 * Step 1's encoding: each item's temp file written and checked, on this thread and in the worker
 * from one queue. `written` is called as each file of this thread's is done (its fsync starts
 * then: the disk works while the next file encodes); the worker syncs its own. A file the worker did not
 * finish (it stopped) is encoded here, into a new temp. On a failure, waits for the worker's
 * files in flight (the caller removes their temps), then throws.
 */
async function encodeAll(work: Pending[], level: number, helper: EncodeHelper | undefined, written: (item: Pending) => void): Promise<void> {
  const encoder = await loadZstdEncoder();
  const buffer = Buffer.allocUnsafe(ENCODE_CHUNK);
  const queue = [...work];
  let failure: unknown;
  const settle = (item: Pending, outcome: EncodeOutcome | WorkerOutcome): void => {
    if (outcome === "changed") item.result = { outcome: "changed", path: item.target, sourceBytes: item.before.size };
    else {
      item.compressedBytes = outcome.compressedBytes;
      if ("fd" in outcome) {
        item.fd = outcome.fd;
        written(item);
      } // else the worker synced and closed it
    }
  };
  const jobOf = (item: Pending): EncodeJob => {
    item.temp = tempPathFor(item.target, "rollout-compress-");
    const { size, mode, atime, mtime } = item.before;
    return { plain: item.plain, temp: item.temp, size, mode, atime, mtime, level };
  };
  let answered: (() => void) | undefined;
  const feedWorker = (): void => {
    while (helper?.alive && failure === undefined && helper.inFlight < WORKER_IN_FLIGHT && queue.length > 0) {
      const item = queue.pop()!; // from the end: this thread takes from the front
      helper
        .encode(jobOf(item))
        .then(
          (outcome) => settle(item, outcome),
          (err: unknown) => {
            if (!(err instanceof EncodeWorkerGone)) return void (failure ??= err);
            unlinkQuietly(item.temp!); // maybe partial; this thread does it again
            queue.unshift(item);
          },
        )
        .finally(() => answered?.());
    }
  };
  for (;;) {
    feedWorker();
    if (failure !== undefined) break;
    const item = queue.shift();
    if (item) {
      try {
        settle(item, encodeFileToTemp(encoder, jobOf(item), buffer));
      } catch (err) {
        failure ??= err;
        break;
      }
      if (helper) await new Promise<void>((resolve) => setImmediate(resolve)); // let the worker's answers in
    } else if (helper && helper.inFlight > 0) await new Promise<void>((resolve) => (answered = resolve));
    else break;
  }
  while (helper && helper.inFlight > 0) await new Promise<void>((resolve) => (answered = resolve));
  if (failure !== undefined) throw failure;
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
