import type { ThreadId } from "@skein/protocol";
import { parseThreadId } from "../../history/index.js";
import type { LocalStoreContext } from "../store-context.js";
import { forkParents } from "./fork-parents.js";
import { pruneThreads, type PruneOptions, type PruneReport } from "./prune.js";
import { sizedThreads } from "./storage-rows.js";
import type { TrashEntry } from "./trash-layout.js";
import { emptyTrash, listTrash, restoreFromTrash, trashThread, type EmptyTrashOptions, type EmptyTrashReport, type RestoreReport } from "./trash.js";
import { diskUsage, type DiskUsageOptions, type DiskUsageReport } from "./disk-usage.js";
import { findStaleRolloutTemps, removeStaleRolloutTemps, type StaleTempFile } from "./stale-temps.js";
import { compressThreads, decompressThreads, type CompressReport, type CompressThreadsOptions, type DecompressThreadsOptions } from "./compress-threads.js";

// Storage care of a local home (docs/storage-care.md): `du`, compress, trash, prune. One entry
// point the store hands out (`LocalThreadStore.storage()`), each operation in its own module.

/** Storage operations of one open local store. */
export class StorageCare {
  readonly #ctx: LocalStoreContext;

  constructor(ctx: LocalStoreContext) {
    this.#ctx = ctx;
  }

  /** Where the home's bytes are (see {@link diskUsage}). */
  diskUsage(options: DiskUsageOptions = {}): Promise<DiskUsageReport> {
    return diskUsage(this.#ctx, options);
  }

  /** Compresses cold plain rollouts to `.jsonl.zst` (see {@link compressThreads}). */
  compress(options: CompressThreadsOptions): Promise<CompressReport> {
    return compressThreads(this.#ctx, options);
  }

  /** Turns compressed rollouts back into plain `.jsonl` (see {@link decompressThreads}). */
  decompress(options: DecompressThreadsOptions = {}): Promise<CompressReport> {
    return decompressThreads(this.#ctx, options);
  }

  /** Moves a thread to the trash (`.skein/trash/<id>/`); Codex's row for it goes. */
  trash(threadId: string, reason = "delete"): Promise<TrashEntry> {
    return trashThread(this.#ctx, parseThreadId(threadId) as ThreadId, reason);
  }

  /** Trashed threads, oldest first. */
  listTrash(): TrashEntry[] {
    return listTrash(this.#ctx);
  }

  /** Brings a trashed thread back (with the fork parents it needs that are in the trash too). */
  restore(threadId: string): Promise<RestoreReport> {
    return restoreFromTrash(this.#ctx, parseThreadId(threadId) as ThreadId);
  }

  /** Deletes trashed threads for good, keeping those a fork still reads through. */
  async emptyTrash(options: EmptyTrashOptions = {}): Promise<EmptyTrashReport> {
    const parents = forkParents((await sizedThreads(this.#ctx)).filter((t) => t.present));
    return emptyTrash(this.#ctx, options, new Map([...parents].map(([parent, forks]) => [parent, forks[0]!])));
  }

  /** Temp files left by a compress or decompress that was killed (see {@link findStaleRolloutTemps}). */
  staleTemps(): StaleTempFile[] {
    return findStaleRolloutTemps(this.#ctx);
  }

  /** Removes the stale temp files; returns those removed. */
  removeStaleTemps(): StaleTempFile[] {
    return removeStaleRolloutTemps(this.#ctx);
  }

  /** Moves the threads matching every filter to the trash (see {@link pruneThreads}). */
  prune(options: PruneOptions): Promise<PruneReport> {
    return pruneThreads(this.#ctx, options);
  }
}

export type * from "./disk-usage.js";
export type * from "./compress-threads.js";
export type * from "./prune.js";
export type { StaleTempFile } from "./stale-temps.js";
export type { TrashEntry, TrashedFile } from "./trash-layout.js";
export type { EmptyTrashOptions, EmptyTrashReport, RestoreReport } from "./trash.js";
export { TRASH_SUBDIR } from "./trash-layout.js";
export { ASSUMED_COMPRESSION_RATIO } from "./disk-usage.js";
