import { describe } from "vitest";
import type { ThreadStore } from "../thread-store.js";
import { archiveAndDeleteContract } from "./archive-and-delete.js";
import { durabilityContract } from "./durability.js";
import type { ThreadStoreHarness } from "./harness.js";
import { listThreadsContract } from "./list-threads.js";
import { liveWriterContract } from "./live-writer.js";
import { readThreadContract } from "./read-thread.js";
import { requestValidationContract } from "./request-validation.js";
import { searchThreadsContract } from "./search-threads.js";
import { turnsAndItemsContract } from "./turns-and-items.js";
import { updateMetadataContract } from "./update-metadata.js";

export type { ThreadStoreHarness, ThreadStoreCapabilities, OptionalOperation, StoreContext } from "./harness.js";
export { useStore } from "./harness.js";
export {
  NEVER_CREATED,
  CWD_A,
  CWD_B,
  createParams,
  userTurn,
  transientItems,
  seedThread,
  expectRejects,
  expectRejectsWith,
  rejection,
  listAllIds,
  tamper,
  type UserTurnOptions,
  type SeedOptions,
} from "./builders.js";
export {
  liveWriterContract,
  readThreadContract,
  listThreadsContract,
  searchThreadsContract,
  turnsAndItemsContract,
  updateMetadataContract,
  archiveAndDeleteContract,
  requestValidationContract,
  durabilityContract,
};

/**
 * Registers the full `ThreadStore` conformance suite (vitest) under `describe(name)`: every
 * behaviour of the contract, one `describe` per method group. Each test gets a fresh store
 * from `harness.create()` and hands it to `harness.destroy` (default `close()`) afterwards.
 * Operations the harness declares `unsupported` get a test that they reject with
 * `UnsupportedOperationError`; nothing is skipped silently.
 *
 * @example
 * ```ts
 * import { describeThreadStoreConformance } from "@skein/thread-store/conformance";
 * describeThreadStoreConformance("SqlThreadStore", {
 *   create: () => SqlThreadStore.open({ path: ":memory:" }),
 *   destroy: (store) => store.close(),
 * });
 * ```
 */
export function describeThreadStoreConformance<T extends ThreadStore>(name: string, harness: ThreadStoreHarness<T>): void {
  const h = harness as unknown as ThreadStoreHarness;
  describe(`${name} conforms to ThreadStore`, () => {
    requestValidationContract(h);
    liveWriterContract(h);
    readThreadContract(h);
    updateMetadataContract(h);
    listThreadsContract(h);
    searchThreadsContract(h);
    turnsAndItemsContract(h);
    archiveAndDeleteContract(h);
    durabilityContract(h);
  });
}
