import { afterEach, beforeEach } from "vitest";
import type { ThreadStore } from "../thread-store.js";

/** Operations a store may decline with `UnsupportedOperationError` (everything else is required). */
export type OptionalOperation = "searchThreads" | "readThreadByRolloutPath" | "deleteThread";

/** Facts about a store that change what the suite can observe. */
export interface ThreadStoreCapabilities {
  /**
   * True when `readThread` reports a `rolloutPath` that `readThreadByRolloutPath` resolves
   * (file-backed stores). False: the suite asserts that no `rolloutPath` is reported.
   */
  rolloutPaths?: boolean;
}

/**
 * How the conformance suite gets stores. Isolation is the harness's job: every store that
 * `create` returns must share no threads with any other (list tests count threads).
 */
export interface ThreadStoreHarness<T extends ThreadStore = ThreadStore> {
  /** Returns a fresh, empty store that shares no state with any other store this harness created. */
  create(): Promise<T>;
  /** Releases what `create` (or `reopen`) opened. Called after every test, also after a failure. */
  destroy?(store: T): Promise<void>;
  /**
   * Closes `store` and opens a new instance over the same backing data (durability tests).
   * Absent: those tests are reported as skipped, with the reason in their name.
   */
  reopen?(store: T): Promise<T>;
  /** Optional operations this store rejects with `UnsupportedOperationError`; each gets a test that it does. */
  unsupported?: readonly OptionalOperation[];
  capabilities?: ThreadStoreCapabilities;
}

/** The store of the running test, plus a way to swap it for a reopened instance. */
export interface StoreContext<T extends ThreadStore = ThreadStore> {
  (): T;
  /** Reopens the current store through the harness; later `ctx()` calls return the new one. */
  reopen(): Promise<T>;
}

/** Registers hooks that create a fresh store before each test and destroy it after. */
export function useStore<T extends ThreadStore>(harness: ThreadStoreHarness<T>): StoreContext<T> {
  let current: T | undefined;
  const ctx = (() => {
    if (!current) throw new Error("conformance: the store is only available inside a test");
    return current;
  }) as StoreContext<T>;
  ctx.reopen = async () => {
    if (!harness.reopen) throw new Error("conformance: the harness has no reopen()");
    current = await harness.reopen(ctx());
    return current;
  };
  beforeEach(async () => {
    current = await harness.create();
  });
  afterEach(async () => {
    const store = current;
    current = undefined;
    if (store) await (harness.destroy ? harness.destroy(store) : store.close());
  });
  return ctx;
}

/** True when the harness declares `operation` unsupported. */
export function isUnsupported(harness: ThreadStoreHarness, operation: OptionalOperation): boolean {
  return harness.unsupported?.includes(operation) ?? false;
}
