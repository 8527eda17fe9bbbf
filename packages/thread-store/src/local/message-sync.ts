import { statSync } from "node:fs";
import { extractThreadMetadataIncrementalSync, type ExtractedThreadMetadata } from "@skein/rollout";
import type { MessageState, ThreadMessagesInput } from "@skein/state";
import { previousFromRow } from "./extract-job.js";
import type { LocalStoreContext } from "./store-context.js";

// Keeps the content-search index (docs/search.md) in step with the rollouts: a thread's
// messages are read from where its last pass stopped whenever its metadata is written, its
// live writer flushes, or this process searches.

/** The message-index input of an extraction made with `collectMessages`. */
export function messagesInputOf(x: ExtractedThreadMetadata): ThreadMessagesInput {
  return {
    threadId: x.threadId,
    mode: x.messagesResumed ? "append" : "replace",
    messages: x.messages ?? [],
    rolloutPath: x.rolloutPath,
    byteOffset: x.bytesRead,
    itemCount: x.messageCursor?.itemCount ?? 0,
    ...(x.messageCursor?.openTurnId !== undefined ? { turnId: x.messageCursor.openTurnId } : {}),
  };
}

/** The message cursor recorded in a state row, as an extraction continues from it. */
export function messageCursorOf(state: MessageState): { itemCount: number; openTurnId?: string } {
  return { itemCount: state.itemCount, ...(state.turnId !== undefined ? { openTurnId: state.turnId } : {}) };
}

/**
 * Brings the messages of `threadId` (its rollout at `path`) up to the end of the file: reads
 * only the bytes after the recorded offset when the state is for this file, else the whole
 * file. A thread without an index row is left to the reindex (messages are keyed by the row).
 * Never throws: a failure leaves the index as it was, for the next pass.
 */
export function syncThreadMessages(ctx: LocalStoreContext, threadId: string, path: string): void {
  const db = ctx.db;
  if (!db) return;
  try {
    const size = statSync(path, { throwIfNoEntry: false })?.size;
    if (size === undefined) return;
    const state = db.getMessageState(threadId);
    if (state && state.rolloutPath === path && state.byteOffset === size) return;
    const row = db.getThread(threadId);
    if (!row) return;
    const resume = state !== undefined && state.rolloutPath === path && state.byteOffset < size;
    const previous = resume ? { ...previousFromRow(row, state.byteOffset), messageCursor: messageCursorOf(state) } : undefined;
    const x = extractThreadMetadataIncrementalSync(path, resume ? state.byteOffset : 0, previous, {
      defaultProvider: ctx.defaultProvider,
      archived: row.archived,
      collectMessages: true,
    });
    if (x.threadId !== threadId) return;
    db.writeThreadMessages([messagesInputOf(x)]);
    if (row.forkedFromId !== undefined) db.resolveInheritedMessages();
  } catch {
    // The index is a cache: the next write, flush, search or reindex tries again.
  }
}

/** Syncs the messages of every materialized live writer of this process (before a search). */
export function syncLiveMessages(ctx: LocalStoreContext): void {
  for (const writer of ctx.writers.all()) {
    if (writer.recorder.materialized) syncThreadMessages(ctx, writer.threadId, writer.recorder.path);
  }
}
