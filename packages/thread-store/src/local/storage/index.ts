import type { LocalStoreContext } from "../store-context.js";
import { diskUsage, type DiskUsageOptions, type DiskUsageReport } from "./disk-usage.js";

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
}

export type * from "./disk-usage.js";
export { ASSUMED_COMPRESSION_RATIO } from "./disk-usage.js";
