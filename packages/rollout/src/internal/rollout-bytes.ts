import { closeSync, fstatSync, openSync, read, readSync, type Stats } from "node:fs";
import { promisify } from "node:util";
import { RolloutNotFoundError, CorruptCompressedRolloutError } from "../errors.js";
import { isCompressedRolloutPath } from "../compression-paths.js";
import { ZstdDataError, ZstdWindowReader } from "./zstd-stream.js";

// One way to read a rollout's bytes whatever its form on disk (docs/compressed-rollouts.md):
// offsets, sizes and ranges are those of the plain JSONL text, so every reader (forward, batches,
// backward, head summary, metadata extraction, item index) works unchanged on a `.jsonl.zst`.

/** Random-access reads of a rollout's plain bytes. */
export interface RolloutBytes {
  readonly path: string;
  readonly compressed: boolean;
  /** The file's own stat (its size on disk, its mtime). */
  readonly stat: Stats;
  /** Size of the plain text. A compressed file is decoded once to learn it (then remembered). */
  size(): number;
  /** Reads up to `length` plain bytes at `position`; 0 at the end. */
  readSync(into: Uint8Array, offset: number, length: number, position: number): number;
  /** Async form: a plain file is read off the event loop; decoding runs on it (CPU work). */
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): void;
}

const readAsync = promisify(read);

/**
 * Opens a rollout for reading, plain or `.jsonl.zst`.
 * @throws RolloutNotFoundError when the file does not exist.
 */
export function openRolloutBytes(path: string): RolloutBytes {
  const fd = openRolloutFd(path);
  const stat = fstatSync(fd);
  return isCompressedRolloutPath(path) ? new CompressedBytes(path, fd, stat) : new PlainBytes(path, fd, stat);
}

/**
 * Opens a rollout file read-only.
 * @throws RolloutNotFoundError when the file does not exist.
 */
export function openRolloutFd(path: string): number {
  try {
    return openSync(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new RolloutNotFoundError(path, { cause: err });
    throw err;
  }
}

class PlainBytes implements RolloutBytes {
  readonly compressed = false;
  constructor(
    readonly path: string,
    readonly fd: number,
    readonly stat: Stats,
  ) {}
  size(): number {
    return this.stat.size;
  }
  readSync(into: Uint8Array, offset: number, length: number, position: number): number {
    return readSync(this.fd, into, offset, length, position);
  }
  async read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return (await readAsync(this.fd, into, offset, length, position)).bytesRead;
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** Decompressed sizes of files seen lately, by identity: a page of a big `.zst` decodes once, not twice. */
const sizeCache = new Map<string, number>();
const SIZE_CACHE_MAX = 512;

function identity(path: string, stat: Stats): string {
  return `${path}\0${stat.ino}\0${stat.size}\0${stat.mtimeMs}`;
}

class CompressedBytes implements RolloutBytes {
  readonly compressed = true;
  readonly #reader: ZstdWindowReader;
  readonly #key: string;
  constructor(
    readonly path: string,
    readonly fd: number,
    readonly stat: Stats,
  ) {
    this.#key = identity(path, stat);
    this.#reader = new ZstdWindowReader(fd, sizeCache.get(this.#key));
  }
  size(): number {
    const size = this.#guard(() => this.#reader.size());
    this.#remember(size);
    return size;
  }
  readSync(into: Uint8Array, offset: number, length: number, position: number): number {
    const n = this.#guard(() => this.#reader.readAt(into, offset, length, position));
    const known = this.#reader.knownSize();
    if (known !== undefined) this.#remember(known);
    return n;
  }
  async read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return this.readSync(into, offset, length, position);
  }
  close(): void {
    closeSync(this.fd);
  }
  #remember(size: number): void {
    if (sizeCache.has(this.#key)) return;
    if (sizeCache.size >= SIZE_CACHE_MAX) sizeCache.delete(sizeCache.keys().next().value!);
    sizeCache.set(this.#key, size);
  }
  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ZstdDataError) throw new CorruptCompressedRolloutError(this.path, { cause: err });
      throw err;
    }
  }
}

/**
 * Size of a rollout's plain text: the file's size, or for a `.jsonl.zst` the decoded size (one
 * decoding pass the first time, then remembered for that file).
 * @throws RolloutNotFoundError, CorruptCompressedRolloutError
 */
export function rolloutPlainSize(path: string): number {
  const bytes = openRolloutBytes(path);
  try {
    return bytes.size();
  } finally {
    bytes.close();
  }
}
