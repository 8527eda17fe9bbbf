import { hasObservedFacts, type SessionMeta, type ThreadId, type ThreadMetadataPatch } from "@skein/protocol";
import { appendRolloutItemsToPath, appendSessionName, readRollout } from "@skein/rollout";
import type { ThreadRow } from "@skein/state";
import { InvalidRequestError, ThreadNotFoundError, isThreadStoreError } from "../errors.js";
import { parseMetadataPatch, parseThreadId } from "../history/index.js";
import type { ThreadRecord, UpdateThreadMetadataParams } from "../types.js";
import { recordFile } from "./index-sync.js";
import { internal } from "./live-writers.js";
import { locate, rowFor, recordOf } from "./locate-thread.js";
import { syncThreadMessages } from "./message-sync.js";
import type { LocalStoreContext } from "./store-context.js";
import { codexSetName } from "../codex-index/codex-index-sync.js";
import { syncCodexIndex } from "./codex-sync.js";
import { applyPatchToRow, storedThreadFromRow } from "./thread-row-mapping.js";

// updateThreadMetadata: JSONL first, index second, so the row never gets ahead of the history.

export async function updateThreadMetadata(ctx: LocalStoreContext, params: UpdateThreadMetadataParams): Promise<ThreadRecord> {
  const threadId = parseThreadId(params?.threadId);
  const { rolloutPath: _ignored, ...patch } = parseMetadataPatch(params.patch);
  const writer = ctx.writers.get(threadId);
  // A live thread with queued history is written first: the row never points at a missing file.
  // One with nothing queued does not exist yet, and a patch never invents a thread.
  if (writer && !writer.recorder.materialized && writer.recorder.pendingCount > 0) {
    try {
      await writer.recorder.persist();
    } catch (error) {
      throw internal(`failed to persist thread ${threadId}`, error);
    }
  }
  const loc = await locate(ctx, threadId, params.includeArchived ?? false);
  if (!loc) throw new ThreadNotFoundError(threadId);
  if (Object.values(patch).every((v) => v === undefined)) return recordOf(ctx, threadId, loc, false);

  // JSONL first, index second: the row never gets ahead of the history.
  const current = await rowFor(ctx, threadId, loc);
  // Recency only moves forward: an older value is a no-op, not a +1 ms bump.
  if (patch.advanceRecencyAt !== undefined && patch.advanceRecencyAt <= current.recencyAt) delete patch.advanceRecencyAt;
  if (Object.values(patch).every((v) => v === undefined)) return recordOf(ctx, threadId, loc, false);
  await appendMetaCopies(ctx, threadId, loc.path, patch, current);
  if (patch.name !== undefined) {
    await appendSessionName(ctx.home, { threadId, name: patch.name ?? "" });
    const name = patch.name ?? "";
    syncCodexIndex(ctx, () => codexSetName(ctx.home, { threadId, name }));
  }
  if (ctx.db) {
    let updated: ThreadRow | undefined;
    try {
      updated = ctx.db.applyMetadataPatch(threadId, patch);
    } catch (error) {
      if (isThreadStoreError(error)) throw error;
      throw internal(`failed to update thread ${threadId}`, error);
    }
    if (!updated) throw new ThreadNotFoundError(threadId);
    await recordFile(ctx.db, loc.path, threadId, ctx.now());
    // The message index keeps up with the metadata (docs/search.md).
    syncThreadMessages(ctx, threadId, loc.path);
    return storedThreadFromRow(updated);
  }
  const { name: _name, ...rest } = patch;
  await ctx.sidecar.merge(threadId, rest);
  return recordOf(ctx, threadId, loc, false);
}

/**
 * Codex compat: `memoryMode` / `gitInfo` patches that carry no observed facts append a copy of
 * the head `session_meta` (memory mode set; `git` merged, `{}` = cleared), so replay without an
 * index sees them. Live threads go through their recorder to keep the write order.
 */
export async function appendMetaCopies(ctx: LocalStoreContext, threadId: ThreadId, path: string, patch: ThreadMetadataPatch, current: ThreadRow): Promise<void> {
  const observed = hasObservedFacts(patch);
  if (observed || (patch.memoryMode === undefined && patch.gitInfo === undefined)) return;
  let head: SessionMeta | undefined;
  try {
    head = (await readRollout(path)).meta;
  } catch (error) {
    throw internal(`failed to read session metadata of ${path}`, error);
  }
  if (!head || head.id.toLowerCase() !== threadId.toLowerCase()) {
    throw new InvalidRequestError(`rollout session metadata id mismatch for thread ${threadId}`);
  }
  const { git: _git, ...base } = head;
  const copy: Record<string, unknown> = { ...base, memory_mode: patch.memoryMode ?? current.memoryMode };
  if (patch.gitInfo !== undefined) {
    const merged = applyPatchToRow(current, { gitInfo: patch.gitInfo }).gitInfo ?? {};
    copy["git"] = {
      ...(merged.sha !== undefined ? { commit_hash: merged.sha } : {}),
      ...(merged.branch !== undefined ? { branch: merged.branch } : {}),
      ...(merged.originUrl !== undefined ? { repository_url: merged.originUrl } : {}),
    };
  }
  const item = { type: "session_meta" as const, payload: copy as SessionMeta };
  const writer = ctx.writers.get(threadId);
  try {
    if (writer) {
      await writer.recorder.append([item]);
    } else {
      await appendRolloutItemsToPath(path, [item], { fsync: ctx.fsync, now: ctx.now });
    }
  } catch (error) {
    throw internal(`failed to append session metadata to ${path}`, error);
  }
}
