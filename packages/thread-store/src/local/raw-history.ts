import { iterateRolloutLineBatches, type RolloutLineEntry } from "@skein/rollout";
import type { RolloutLine, SessionMeta, ThreadId } from "@skein/protocol";
import { InternalError } from "../errors.js";
import { findUsableRollout } from "./home-paths.js";
import { internal } from "./live-writers.js";

/** One parsed line of a thread's full history with its exact text. */
export interface RawHistoryLine {
  raw: string;
  line: RolloutLine;
}

/**
 * A rollout's full history as exact lines, lineage prefix first: the same lines, in the same
 * order, as `loadThreadHistory(...).lines` (unparsable lines are skipped there, so here too),
 * each with its raw text. For a paginated fork the parent's file is read up to
 * `history_base.end_byte_offset`, recursively.
 *
 * `end` limits the read of `path` itself (used for ancestors).
 */
export async function readRawHistory(home: string, path: string, end?: number, depth = 0): Promise<RawHistoryLine[]> {
  const own: RawHistoryLine[] = [];
  let meta: SessionMeta | undefined;
  try {
    for await (const batch of iterateRolloutLineBatches(path, end === undefined ? {} : { end })) {
      for (const entry of batch) {
        if (!isParsed(entry)) continue;
        if (meta === undefined && entry.line.type === "session_meta") meta = entry.line.payload as SessionMeta;
        own.push({ raw: entry.raw, line: entry.line });
      }
    }
  } catch (error) {
    throw internal(`failed to read rollout ${path}`, error);
  }
  const base = meta?.history_mode === "paginated" ? meta.history_base : undefined;
  if (!base) return own;
  // Same guard as loadThreadHistory; a cycle there is an error, so it is here.
  if (depth >= 64) throw new InternalError(`fork chain of ${path} is too deep or loops`);
  // A parent whose file is empty or leads outside the home is as good as missing: never read.
  const parent = await findUsableRollout(home, base.thread_id as ThreadId);
  if (!parent || "refused" in parent) throw new InternalError(`fork parent ${base.thread_id} of ${path} not found`);
  return [...(await readRawHistory(home, parent.path, base.end_byte_offset, depth + 1)), ...own];
}

function isParsed(entry: RolloutLineEntry): entry is RolloutLineEntry & { line: RolloutLine } {
  return entry.line !== undefined;
}
