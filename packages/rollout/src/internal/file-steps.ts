import { randomBytes } from "node:crypto";
import { closeSync, fsync, fsyncSync, linkSync, openSync, statSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { basename, dirname, join } from "node:path";
import { RolloutNotFoundError } from "../errors.js";

// The file steps of moving a rollout between its forms (docs/compressed-rollouts.md): temp files
// next to the target, links that never clobber, identity checks, folder syncs.

export const TEMP_SUFFIX = ".tmp";

/** Writes all of `data` at the file's current position. */
export function writeFully(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

/** Links `temp` to `target` unless `target` exists; false when it did. */
export function linkNoClobber(temp: string, target: string): boolean {
  try {
    linkSync(temp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** `<folder of target>/<prefix><target name>-<random>.tmp`: the thread's file name stays readable in it. */
export function tempPathFor(target: string, prefix: string): string {
  return join(dirname(target), `${prefix}${basename(target)}-${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`);
}

export function statOrNotFound(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new RolloutNotFoundError(path, { cause: err });
    throw err;
  }
}

/** True when `now` (a later `stat`, if the file still exists) is the file `before` described: same inode, size and mtime. */
export function sameIdentity(now: Stats | undefined, before: Stats): boolean {
  return now !== undefined && now.size === before.size && now.mtimeMs === before.mtimeMs && now.ino === before.ino;
}

/** True when `path` is still the file `before` described (see {@link sameIdentity}). */
export function sameFile(path: string, before: Stats): boolean {
  return sameIdentity(statSync(path, { throwIfNoEntry: false }), before);
}

export function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** fsync of a folder, so the names created or removed in it are on disk. */
export function syncFolder(folder: string): void {
  try {
    const fd = openSync(folder, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse to fsync a folder; the rename order still holds.
  }
}

/** fsync of many open files at once: issued together, the filesystem commits them in one journal flush. */
export function syncAll(fds: readonly number[]): Promise<void> {
  return Promise.all(fds.map((fd) => new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve()))))).then(() => undefined);
}

/** {@link syncFolder} of each distinct folder, together. */
export function syncFolders(folders: Iterable<string>): Promise<void> {
  return Promise.all(
    [...new Set(folders)].map(
      (folder) =>
        new Promise<void>((resolve) => {
          let fd: number;
          try {
            fd = openSync(folder, "r");
          } catch {
            return resolve();
          }
          // A refusal to fsync a folder is tolerated as in syncFolder.
          fsync(fd, () => {
            closeSync(fd);
            resolve();
          });
        }),
    ),
  ).then(() => undefined);
}
