import type { LocalStoreContext } from "../store-context.js";
import { diskUsage, type DiskUsageOptions, type DiskUsageReport } from "./disk-usage.js";
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
}

export type * from "./disk-usage.js";
export type * from "./compress-threads.js";
export { ASSUMED_COMPRESSION_RATIO } from "./disk-usage.js";
