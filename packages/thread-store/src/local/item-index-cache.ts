import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  TURN_FIELDS,
  encodeRolloutItemIndex,
  loadEarlierTurns,
  readRolloutItemIndexFile,
  rolloutPlainSize,
  updateRolloutItemIndex,
  type RolloutItemIndex,
} from "@skein/rollout";

/** Where item-index sidecars live inside a home: ours, never read by Codex. */
export const ITEM_INDEX_DIR = join(".skein", "cache", "item-index");
/** A sidecar is rewritten once the file grew this much past what it covers (small growth is re-parsed). */
const SAVE_GROWTH_BYTES = 1 << 20;
/** Files smaller than this get no sidecar: parsing them is about as cheap as reading one. */
const MIN_SIDECAR_BYTES = 1 << 20;
/** Turns read from a sidecar up front; earlier ones load on demand ({@link ItemIndexCache.complete}). */
const TURN_WINDOW = 256;
/** Indexes kept in memory per store (the most recently used). */
const MEMORY_ENTRIES = 16;
/**
 * An update that has at least this many bytes to parse (a huge rollout's first build: ~15 s a
 * GB) runs on a worker thread, so the calling thread (a `skein serve` answering other pages)
 * stays free meanwhile (docs/viewer.md, "Huge threads").
 */
export const WORKER_BUILD_BYTES = 16 << 20;
/**
 * The worker entry: next to this module when it runs from `dist/`; else (from sources: tests, or
 * the CLI's bundle, which places this module at the package's `src/`) the package's built copy.
 * Absent: builds run in-process.
 */
function defaultWorkerUrl(): URL {
  const here = new URL("./item-index-worker.js", import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : new URL("../../dist/local/item-index-worker.js", import.meta.url);
}

/** Options of {@link ItemIndexCache}. */
export interface ItemIndexCacheOptions {
  /** Default {@link WORKER_BUILD_BYTES}. */
  workerBuildBytes?: number;
  /** The worker entry; a missing file means every build runs in-process. */
  workerUrl?: URL;
}

/**
 * Per-file item indexes of a home, kept in memory and in sidecars
 * (`<home>/.skein/cache/item-index/<rollout file name>.idx`), so a page of a huge rollout
 * does not re-parse it in every process. A sidecar is a cache: a missing, unreadable or stale
 * one (the file was rewritten, not appended to) is rebuilt from the file.
 */
export class ItemIndexCache {
  readonly #dir: string;
  readonly #memory = new Map<string, RolloutItemIndex>();
  /** Updates under way, by file: a second caller (a page and its poll) waits for the same one. */
  readonly #pending = new Map<string, Promise<RolloutItemIndex>>();
  readonly #workerBuildBytes: number;
  readonly #workerUrl: URL;
  readonly #workers = new Set<Worker>();
  #closed = false;

  constructor(home: string, options: ItemIndexCacheOptions = {}) {
    this.#dir = join(home, ITEM_INDEX_DIR);
    this.#workerBuildBytes = options.workerBuildBytes ?? WORKER_BUILD_BYTES;
    this.#workerUrl = options.workerUrl ?? defaultWorkerUrl();
  }

  /** The file's index, brought up to date with its complete lines. */
  get(path: string): Promise<RolloutItemIndex> {
    const running = this.#pending.get(path);
    if (running) return running;
    const update = this.#get(path).finally(() => this.#pending.delete(path));
    this.#pending.set(path, update);
    return update;
  }

  /** Whether an update of `path` is under way (a huge file's first build, say). */
  building(path: string): boolean {
    return this.#pending.has(path);
  }

  async #get(path: string): Promise<RolloutItemIndex> {
    const known = this.#memory.get(path) ?? (await this.#load(path));
    // `known` may be a stale sidecar: updateRolloutItemIndex checks its fingerprint before use.
    const index = await this.#update(path, known);
    this.#memory.delete(path);
    this.#memory.set(path, index);
    if (this.#memory.size > MEMORY_ENTRIES) this.#memory.delete(this.#memory.keys().next().value!);
    const grown = !known || index.buildId !== known.buildId || index.end - known.end >= SAVE_GROWTH_BYTES;
    if (index !== known && grown && index.end >= MIN_SIDECAR_BYTES) await this.#save(path, index);
    return index;
  }

  /**
   * Loads the turns a windowed index left out (`turnsFrom` becomes 0). Falls back to a build
   * from the file when the sidecar was replaced by another build: earlier turns are final, so
   * any build of the same bytes has them.
   */
  async complete(path: string, index: RolloutItemIndex): Promise<void> {
    if (index.turnsFrom === 0 || (await loadEarlierTurns(this.#sidecar(path), index))) return;
    const fresh = await updateRolloutItemIndex(path);
    const turns = new Float64Array(index.turnCount * TURN_FIELDS);
    turns.set(fresh.turns.subarray(0, index.turnsFrom * TURN_FIELDS));
    turns.set(index.turns.subarray(0, (index.turnCount - index.turnsFrom) * TURN_FIELDS), index.turnsFrom * TURN_FIELDS);
    index.turns = turns;
    index.turnsFrom = 0;
  }

  /** `updateRolloutItemIndex`, on a worker thread when there is much to parse and a worker entry. */
  async #update(path: string, known: RolloutItemIndex | undefined): Promise<RolloutItemIndex> {
    let size = 0;
    try {
      size = rolloutPlainSize(path);
    } catch {
      // A missing or unreadable file: the in-process update throws the store's error for it.
    }
    if (size - (known?.end ?? 0) < this.#workerBuildBytes || !existsSync(fileURLToPath(this.#workerUrl))) return updateRolloutItemIndex(path, known);
    if (this.#closed) throw new Error(`the store closed while indexing ${path}`);
    const worker = new Worker(this.#workerUrl);
    this.#workers.add(worker);
    const built = await onWorker(worker, path, known)
      .catch(() => undefined)
      .finally(() => this.#workers.delete(worker));
    if (this.#closed) throw new Error(`the store closed while indexing ${path}`);
    // A worker that could not start or failed: the same update here (and its typed error).
    return built ?? updateRolloutItemIndex(path, known);
  }

  /**
   * Stops the builds running on worker threads (their callers get an error), so a process that
   * closes its store (Ctrl+C on `skein serve` during a huge file's first build) can exit.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#workers].map((worker) => worker.terminate()));
  }

  /** Forgets a file's index (its thread was deleted or the file moved). */
  async forget(path: string): Promise<void> {
    this.#memory.delete(path);
    await rm(this.#sidecar(path), { force: true });
  }

  /**
   * {@link forget} of many files. The folder is looked at once: most homes have none (only files
   * over 1 MB get a sidecar), and then there is nothing to remove.
   */
  async forgetMany(paths: readonly string[]): Promise<void> {
    for (const path of paths) this.#memory.delete(path);
    if (paths.length === 0 || !existsSync(this.#dir)) return;
    for (const path of paths) await rm(this.#sidecar(path), { force: true });
  }

  /** The stored index (newest turns only), or undefined when absent or unreadable: rebuilt from the file. */
  async #load(path: string): Promise<RolloutItemIndex | undefined> {
    return readRolloutItemIndexFile(this.#sidecar(path), TURN_WINDOW);
  }

  async #save(path: string, index: RolloutItemIndex): Promise<void> {
    const target = this.#sidecar(path);
    const tmp = `${target}.${process.pid}.tmp`;
    try {
      await this.complete(path, index);
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await writeFile(tmp, encodeRolloutItemIndex(index), { mode: 0o600 });
      await rename(tmp, target);
    } catch {
      // A cache that cannot be written (read-only home) only costs a re-parse next time.
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  #sidecar(path: string): string {
    return join(this.#dir, `${basename(path)}.idx`);
  }
}

/** Runs one index update on a fresh worker thread (see item-index-worker.ts). */
function onWorker(worker: Worker, path: string, previous: RolloutItemIndex | undefined): Promise<RolloutItemIndex> {
  return new Promise((resolve, reject) => {
    worker.once("message", (answer: { index?: RolloutItemIndex; error?: string }) => {
      void worker.terminate();
      if (answer.index) resolve(answer.index);
      else reject(new Error(answer.error ?? "the item-index worker gave no index"));
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the item-index worker exited with ${code}`)));
    worker.postMessage({ path, previous });
  });
}
