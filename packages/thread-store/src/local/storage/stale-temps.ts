import { lstatSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { ThreadId } from "@skein/protocol";
import { ARCHIVED_SESSIONS_SUBDIR, SESSIONS_SUBDIR, isRolloutTempFileName, rolloutTempThreadId } from "@skein/rollout";
import type { LocalStoreContext } from "../store-context.js";
import { busyReason } from "./thread-lock.js";

// Temp files a compress or decompress leaves only when it is killed mid-way (docs/storage-care.md,
// "Leftovers"): `rollout-compress-*.tmp` / `rollout-decompress-*.tmp` in the rollout folders.
// One is stale when nothing can still be writing it:
// - Skein's temps name their thread (`rollout-compress-<rollout name>.zst-<random>.tmp`), and
//   Skein writes one only while holding that thread's writer lock (Skein's and, in a Codex home,
//   Codex's): stale when the thread has no live writer.
// - Other names (Codex's worker: `rollout-compress-<random>.tmp`) say nothing of their owner:
//   stale when unchanged for an hour (ctime: a temp being written changes all the time, and its
//   mtime is set to the source's, so it says nothing).

/** Age after which a temp file that names no thread counts as abandoned. */
export const ANONYMOUS_TEMP_STALE_MS = 60 * 60 * 1000;

/** A leftover temp file. */
export interface StaleTempFile {
  path: string;
  bytes: number;
  /** The thread its name gives, if any. */
  threadId?: string;
}

/** Every stale rollout temp file under the home's rollout folders (read-only). */
export function findStaleRolloutTemps(ctx: LocalStoreContext): StaleTempFile[] {
  const found: StaleTempFile[] = [];
  const now = Date.now();
  for (const root of [join(ctx.home, SESSIONS_SUBDIR), join(ctx.home, ARCHIVED_SESSIONS_SUBDIR)]) {
    walk(root, 0, (path, name) => {
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st?.isFile()) return;
      const threadId = rolloutTempThreadId(name);
      const stale = threadId ? busyReason(ctx, threadId as ThreadId) === undefined : now - st.ctimeMs > ANONYMOUS_TEMP_STALE_MS;
      if (stale) found.push({ path, bytes: st.size, ...(threadId && { threadId }) });
    });
  }
  return found;
}

/** Removes the stale temp files; returns those removed. */
export function removeStaleRolloutTemps(ctx: LocalStoreContext): StaleTempFile[] {
  const removed: StaleTempFile[] = [];
  for (const temp of findStaleRolloutTemps(ctx)) {
    try {
      unlinkSync(temp.path);
      removed.push(temp);
    } catch {
      // Gone meanwhile, or not ours to remove: left for the next pass.
    }
  }
  return removed;
}

/** Visits the temp-file names under `dir` (the rollout folders are at most year/month/day deep). */
function walk(dir: string, depth: number, visit: (path: string, name: string) => void): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth < 3) walk(path, depth + 1, visit);
    else if (entry.isFile() && isRolloutTempFileName(entry.name)) visit(path, entry.name);
  }
}
