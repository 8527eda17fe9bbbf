import { lstatSync, unlinkSync } from "node:fs";
import { resolve } from "node:path";
import type { ThreadId } from "@skein/protocol";
import { activeRolloutPath, findRolloutPath, parseRolloutFileName } from "@skein/rollout";
import { RolloutPathGuard } from "./home-paths.js";

// A kill between creating a rollout (open with O_CREAT) and its first write leaves a 0-byte file.
// Such a thread was never materialized: nothing in it was ever acknowledged. The store reads it
// as absent, and `createThread` adopts it so the id is usable again.

/**
 * The creation time that makes `RolloutRecorder.create` use the thread's existing 0-byte rollout:
 * the recorder opens its path with `O_CREAT | O_APPEND`, so its `session_meta` becomes the
 * file's first line. Undefined when the thread has no such file.
 *
 * File names carry local time; the time is read back from the name and only used when it
 * renders to the very same path (it may not after a time-zone change). A 0-byte active file
 * that cannot be adopted, and only such a file, is unlinked: it holds nothing, and left in place
 * it would shadow the new rollout in lookups. The caller holds the thread's writer lock.
 */
export async function adoptEmptyRollout(home: string, threadId: ThreadId): Promise<number | undefined> {
  const hit = await findRolloutPath(home, threadId, { includeArchived: true });
  if (!hit || hit.archived) return undefined;
  if (new RolloutPathGuard(home).inspect(hit.path).kind !== "empty") return undefined;
  const createdAtMs = localTimeOfName(hit.path);
  if (createdAtMs !== undefined && activeRolloutPath(home, threadId, createdAtMs) === resolve(hit.path)) return createdAtMs;
  const st = lstatSync(hit.path, { throwIfNoEntry: false });
  if (st?.isFile() && st.size === 0) unlinkSync(hit.path);
  return undefined;
}

/** The epoch ms whose local-time rendering is the file name's timestamp (seconds precision). */
function localTimeOfName(path: string): number | undefined {
  const parsed = parseRolloutFileName(path);
  if (!parsed || parsed.compressed) return undefined;
  const d = new Date(parsed.timestampMs); // the name's digits, read as UTC
  return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()).getTime();
}
