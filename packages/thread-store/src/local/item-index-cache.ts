import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  TURN_FIELDS,
  encodeRolloutItemIndex,
  loadEarlierTurns,
  readRolloutItemIndexFile,
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
 * Per-file item indexes of a home, kept in memory and in sidecars
 * (`<home>/.skein/cache/item-index/<rollout file name>.idx`), so a page of a huge rollout
 * does not re-parse it in every process. A sidecar is a cache: a missing, unreadable or stale
 * one (the file was rewritten, not appended to) is rebuilt from the file.
 */
export class ItemIndexCache {
  readonly #dir: string;
  readonly #memory = new Map<string, RolloutItemIndex>();

  constructor(home: string) {
    this.#dir = join(home, ITEM_INDEX_DIR);
  }

  /** The file's index, brought up to date with its complete lines. */
  async get(path: string): Promise<RolloutItemIndex> {
    const known = this.#memory.get(path) ?? (await this.#load(path));
    // `known` may be a stale sidecar: updateRolloutItemIndex checks its fingerprint before use.
    const index = await updateRolloutItemIndex(path, known);
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

  /** Forgets a file's index (its thread was deleted or the file moved). */
  async forget(path: string): Promise<void> {
    this.#memory.delete(path);
    await rm(this.#sidecar(path), { force: true });
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
