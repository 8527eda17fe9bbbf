import { existsSync } from "node:fs";
import { mkdir, rename, utimes } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ThreadId } from "@skein/protocol";
import {
  ARCHIVED_SESSIONS_SUBDIR,
  SESSIONS_SUBDIR,
  archivedPathFor,
  compressedRolloutPath,
  isCompressedRolloutPath,
  plainRolloutPath,
  unarchivedPathFor,
} from "@skein/rollout";
import { ConflictError, InvalidRequestError, ThreadNotFoundError } from "../errors.js";
import { parseThreadId } from "../history/index.js";
import type { ThreadIdParams, ThreadRecord } from "../types.js";
import { assertInsideHome } from "./home-paths.js";
import { recordFile } from "./index-sync.js";
import { syncThreadMessages } from "./message-sync.js";
import { internal } from "./live-writers.js";
import { locate, indexFile, rowFor, recordOf } from "./locate-thread.js";
import type { LocalStoreContext } from "./store-context.js";
import { inspectWriterLock, writerLockPath, describeHolder } from "./writer-lock.js";
import { codexMarkArchived, codexMarkUnarchived } from "../codex-index/codex-index-sync.js";
import { assertNoCodexWriter } from "../codex-index/codex-writer-lock.js";
import { syncCodexIndex } from "./codex-sync.js";

// archiveThread / unarchiveThread: moving the rollout between sessions/ and archived_sessions/.

export async function archiveThread(ctx: LocalStoreContext, params: ThreadIdParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  const loc = await locate(ctx, threadId, true);
  if (!loc) throw new ThreadNotFoundError(threadId);
  if (loc.archived) return;
  assertNoForeignWriter(ctx, threadId);
  await ctx.writers.get(threadId)?.recorder.flush().catch(() => undefined);
  const src = await assertInsideHome(join(ctx.home, SESSIONS_SUBDIR), loc.path);
  const dest = archivedPathFor(ctx.home, src);
  const before = ctx.db ? await rowFor(ctx, threadId, loc) : undefined;
  await mkdir(join(ctx.home, ARCHIVED_SESSIONS_SUBDIR), { recursive: true, mode: 0o700 });
  await moveBothForms(src, dest);
  if (ctx.db && before) {
    // No row to mark (another process dropped it meanwhile): index the moved file instead.
    if (!ctx.db.markArchived(threadId, { rolloutPath: dest, archivedAtMs: ctx.now() })) await indexFile(ctx, threadId, dest, true);
    await moveIndexedFile(ctx, src, dest, threadId);
  }
  const archivedAtMs = ctx.now();
  syncCodexIndex(ctx, () => codexMarkArchived(ctx.home, { threadId, rolloutPath: dest, archivedAtMs }));
}

export async function unarchiveThread(ctx: LocalStoreContext, params: ThreadIdParams): Promise<ThreadRecord> {
  const threadId = parseThreadId(params?.threadId);
  const loc = await locate(ctx, threadId, true);
  if (!loc) throw new ThreadNotFoundError(threadId);
  if (!loc.archived) return recordOf(ctx, threadId, loc, false);
  assertNoForeignWriter(ctx, threadId);
  const src = await assertInsideHome(join(ctx.home, ARCHIVED_SESSIONS_SUBDIR), loc.path);
  let dest: string;
  try {
    dest = unarchivedPathFor(ctx.home, src);
  } catch (error) {
    throw new InvalidRequestError(`cannot unarchive ${basename(src)}: the file name has no timestamp`, { cause: error });
  }
  const before = ctx.db ? await rowFor(ctx, threadId, loc) : undefined;
  await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
  await moveBothForms(src, dest);
  const now = ctx.now();
  // Unarchive counts as an update (Codex bumps updated_at): the file mtime says so too.
  await utimes(dest, now / 1000, now / 1000);
  if (ctx.db && before) {
    if (!ctx.db.markUnarchived(threadId, { rolloutPath: dest, updatedAtMs: now })) await indexFile(ctx, threadId, dest, false);
    await moveIndexedFile(ctx, src, dest, threadId);
  }
  syncCodexIndex(ctx, () => codexMarkUnarchived(ctx.home, { threadId, rolloutPath: dest, updatedAtMs: now }));
  return recordOf(ctx, threadId, { path: dest, archived: false }, false);
}

export async function moveIndexedFile(ctx: LocalStoreContext, from: string, to: string, threadId: ThreadId): Promise<void> {
  ctx.db!.forgetIndexedFile(from);
  await recordFile(ctx.db!, to, threadId, ctx.now());
  // The message index follows the file, so a reindex finds it current (docs/search.md).
  syncThreadMessages(ctx, threadId, to);
}

/** @throws ConflictError when another process (Skein's or Codex's) holds the thread's writer lock. */
export function assertNoForeignWriter(ctx: LocalStoreContext, threadId: ThreadId): void {
  if (ctx.writers.get(threadId)) return;
  assertNoCodexWriter(ctx.home, threadId);
  const state = inspectWriterLock(writerLockPath(ctx.home, threadId));
  if (state.kind === "live") {
    throw new ConflictError(`thread ${threadId} has a live writer in another process (${describeHolder(state.holder)})`, {
      holder: describeHolder(state.holder),
    });
  }
}

/**
 * Moves a thread's rollout in both its forms (docs/compressed-rollouts.md): `src` (the form that
 * is read) and its other form when one lingers beside it. The lingering one moves first, so an
 * interruption never leaves the read form's sibling behind to be listed in the old collection.
 */
async function moveBothForms(src: string, dest: string): Promise<void> {
  const other = isCompressedRolloutPath(src) ? plainRolloutPath(src) : compressedRolloutPath(src);
  const otherDest = isCompressedRolloutPath(dest) ? plainRolloutPath(dest) : compressedRolloutPath(dest);
  if (existsSync(other)) await moveFile(other, otherDest);
  await moveFile(src, dest);
}

/** Renames a file; refuses to overwrite an existing destination. */
async function moveFile(src: string, dest: string): Promise<void> {
  if (existsSync(dest)) throw new ConflictError(`cannot move ${basename(src)}: ${dest} already exists`);
  try {
    await rename(src, dest);
  } catch (error) {
    throw internal(`failed to move ${src} to ${dest}`, error);
  }
}
