import { existsSync } from "node:fs";
import type { CatchUpMode, LocalThreadStore } from "@skein/thread-store";
import { HomeNotFoundError } from "./errors.js";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Default `quick`; `reindex` and `doctor` pass `none` so they see (and report) the real state. */
  catchUp?: CatchUpMode;
  /** Create the home when it is missing (only `demo` does). Default false. */
  create?: boolean;
}

/**
 * Opens the local store over `home`. The store module (SQLite and all) is imported here, on
 * first use, so `skein --help` never pays for it.
 *
 * @throws HomeNotFoundError when the home does not exist and `create` is not set.
 */
export async function openStore(home: string, options: OpenStoreOptions = {}): Promise<LocalThreadStore> {
  if (!options.create && !existsSync(home)) throw new HomeNotFoundError(home);
  const { LocalThreadStore } = await import("@skein/thread-store");
  return LocalThreadStore.open({ home, catchUp: options.catchUp ?? "quick" });
}

/** Runs `fn` with an open store and closes the store afterwards, whatever happens. */
export async function withStore<T>(
  home: string,
  fn: (store: LocalThreadStore) => Promise<T>,
  options: OpenStoreOptions = {},
): Promise<T> {
  const store = await openStore(home, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
