import { existsSync } from "node:fs";
import type { SessionMeta, ThreadId } from "@skein/protocol";
import {
  RolloutRecorder,
  isArchivedPath,
  isPersistedRawRolloutItem,
  isPersistedRolloutItem,
  isRolloutError,
  persistedRolloutItems,
  prepareRawRolloutItems,
  type PreparedRawRolloutItem,
} from "@skein/rollout";
import { ConflictError, InvalidRequestError, ThreadNotFoundError } from "../errors.js";
import { assertRolloutItems, createSessionMetaItem, parseThreadId, requireCwd } from "../history/index.js";
import type { AppendRawThreadItemsParams, AppendThreadItemsParams, CreateThreadParams, ResumeThreadParams, ThreadIdParams } from "../types.js";
import { adoptEmptyRollout } from "./empty-rollout.js";
import { resolveRolloutPathParam } from "./home-paths.js";
import { internal, type LiveWriter } from "./live-writers.js";
import { existsDurably, locate } from "./locate-thread.js";
import type { LocalStoreContext } from "./store-context.js";
import { syncThreadMessages } from "./message-sync.js";
import { WriterLock } from "./writer-lock.js";

// Live writers of the local store: create, resume, append, persist, flush, shut down, discard.

export async function createThread(ctx: LocalStoreContext, params: CreateThreadParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  const cwd = requireCwd(params.metadata);
  ctx.writers.assertFree(threadId);
  const now = ctx.now();
  await addLiveWriter(ctx, threadId, now, async () => {
    if (await existsDurably(ctx, threadId)) throw new ConflictError(`thread ${threadId} already exists`);
    const { id: _id, timestamp: _ts, ...sessionMeta } = createSessionMetaItem(params, cwd, now).payload as SessionMeta;
    // A 0-byte rollout left by a kill is written into, not left to shadow a second file.
    const adoptedAtMs = await adoptEmptyRollout(ctx.home, threadId);
    return openRecorder(() =>
      RolloutRecorder.create({
        home: ctx.home,
        threadId,
        createdAtMs: adoptedAtMs ?? now,
        sessionMeta,
        fsync: ctx.fsync,
        now: ctx.now,
      }),
    );
  });
}

export async function resumeThread(ctx: LocalStoreContext, params: ResumeThreadParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  requireCwd(params.metadata);
  ctx.writers.assertFree(threadId);
  await addLiveWriter(ctx, threadId, ctx.now(), async () => {
    let path: string;
    if (params.rolloutPath !== undefined) {
      path = await resolveRolloutPathParam(ctx.home, params.rolloutPath, threadId);
    } else {
      const found = await locate(ctx, threadId, params.includeArchived ?? false);
      if (!found) throw new ThreadNotFoundError(threadId);
      path = found.path;
    }
    return openRecorder(() => RolloutRecorder.resume({ path, fsync: ctx.fsync, now: ctx.now }));
  });
}

/** Takes the thread's writer lock, then registers the recorder `open` returns; the lock is released if anything fails. */
async function addLiveWriter(
  ctx: LocalStoreContext,
  threadId: ThreadId,
  now: number,
  open: () => Promise<RolloutRecorder>,
): Promise<void> {
  const lock = await WriterLock.acquire(ctx.home, threadId, now);
  try {
    ctx.writers.add({ threadId, recorder: await open(), lock });
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function openRecorder(open: () => RolloutRecorder | Promise<RolloutRecorder>): Promise<RolloutRecorder> {
  try {
    return await open();
  } catch (error) {
    // A 2025-generation thread is read-only (docs/rollout-generations.md): say so, and what to do.
    if (isRolloutError(error) && error.code === "read_only_rollout") {
      throw new InvalidRequestError(`the thread cannot be resumed: ${error.message}`, { cause: error });
    }
    throw internal("failed to initialize local thread recorder", error);
  }
}

export async function appendItems(ctx: LocalStoreContext, params: AppendThreadItemsParams): Promise<void> {
  // The id of a live writer was validated when the writer was added: the id check runs on a miss only.
  const known = ctx.writers.get(params?.threadId);
  const threadId = known?.threadId ?? parseThreadId(params?.threadId);
  assertRolloutItems(params.items);
  const writer = known ?? ctx.writers.require(threadId);
  const items = params.items.every(isPersistedRolloutItem) ? params.items : persistedRolloutItems(params.items);
  if (items.length === 0) return;
  // Written before this resolves (one write(2), no background queue): a LiveThread applies its
  // metadata patch right after, so the index can never get ahead of the JSONL.
  try {
    await writer.recorder.append(items);
  } catch (error) {
    throw internal(`failed to append to thread ${threadId}`, error);
  }
}

/** `appendItems` for JSON-text payloads: all checked first, then written as-is (docs/rollout-format.md, "Appending JSON text"). */
export async function appendRawItems(ctx: LocalStoreContext, params: AppendRawThreadItemsParams): Promise<void> {
  const known = ctx.writers.get(params?.threadId);
  const threadId = known?.threadId ?? parseThreadId(params?.threadId);
  let prepared: readonly PreparedRawRolloutItem[];
  try {
    prepared = prepareRawRolloutItems(params.items);
  } catch (error) {
    throw new InvalidRequestError(`invalid items: ${(error as Error).message}`, { cause: error });
  }
  const writer = known ?? ctx.writers.require(threadId);
  const items = prepared.every(isPersistedRawRolloutItem) ? prepared : prepared.filter(isPersistedRawRolloutItem);
  if (items.length === 0) return;
  try {
    await writer.recorder.appendRaw(items);
  } catch (error) {
    throw internal(`failed to append to thread ${threadId}`, error);
  }
}

export async function persistThread(ctx: LocalStoreContext, params: ThreadIdParams): Promise<void> {
  const writer = ctx.writers.require(parseThreadId(params?.threadId));
  try {
    await writer.recorder.persist();
  } catch (error) {
    throw internal(`failed to persist thread ${writer.threadId}`, error);
  }
  syncRowPath(ctx, writer);
  syncThreadMessages(ctx, writer.threadId, writer.recorder.path);
}

export async function flushThread(ctx: LocalStoreContext, params: ThreadIdParams): Promise<void> {
  const writer = ctx.writers.require(parseThreadId(params?.threadId));
  try {
    await writer.recorder.flush();
  } catch (error) {
    throw internal(`failed to flush thread ${writer.threadId}`, error);
  }
  if (writer.recorder.materialized) {
    syncRowPath(ctx, writer);
    syncThreadMessages(ctx, writer.threadId, writer.recorder.path);
  }
}

export async function shutdownThread(ctx: LocalStoreContext, params: ThreadIdParams): Promise<void> {
  const writer = ctx.writers.require(parseThreadId(params?.threadId));
  try {
    await writer.recorder.shutdown();
  } catch (error) {
    // The writer stays registered so the caller can retry the shutdown.
    throw internal(`failed to shut down thread ${writer.threadId}`, error);
  }
  if (writer.recorder.materialized) {
    syncRowPath(ctx, writer);
    syncThreadMessages(ctx, writer.threadId, writer.recorder.path);
  }
  ctx.writers.remove(writer.threadId);
}

export async function discardThread(ctx: LocalStoreContext, params: ThreadIdParams): Promise<void> {
  const writer = ctx.writers.require(parseThreadId(params?.threadId));
  writer.recorder.discard();
  ctx.writers.remove(writer.threadId);
}

/**
 * A materialized live thread whose index row points elsewhere gets its path fixed (Codex
 * `sync_materialized_rollout_path`). Once the row points at the writer's file it is not read
 * again for that writer: a LiveThread flushes before every metadata patch.
 */
export function syncRowPath(ctx: LocalStoreContext, writer: LiveWriter): void {
  if (ctx.rowPathSynced.has(writer)) return;
  const path = writer.recorder.path;
  const row = ctx.db?.getThread(writer.threadId);
  if (!row) return;
  if (row.rolloutPath !== path) {
    if (!existsSync(path)) return;
    ctx.db!.upsertThread({ ...row, rolloutPath: path, archived: isArchivedPath(ctx.home, path) });
  }
  ctx.rowPathSynced.add(writer);
}
