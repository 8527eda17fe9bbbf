import type { ThreadId } from "@skein/protocol";
import { ConflictError } from "../../errors.js";
import { isCodexWriterActive } from "../../codex-index/codex-writer-lock.js";
import type { LocalStoreContext } from "../store-context.js";
import { WriterLock, inspectWriterLock, writerLockPath } from "../writer-lock.js";

// Storage operations move or rewrite a thread's files, so they hold the thread's writer lock
// (Skein's, and Codex's in a Codex home) for the whole step: no writer can start meanwhile, and a
// thread that has one is skipped, never touched.

/** Why a thread cannot be touched now, or undefined. Read-only (for dry runs). */
export function busyReason(ctx: LocalStoreContext, threadId: ThreadId): string | undefined {
  if (ctx.writers.get(threadId)) return "live writer in this process";
  const state = inspectWriterLock(writerLockPath(ctx.home, threadId));
  if (state.kind === "live") return `live writer (pid ${state.holder.pid} on ${state.holder.hostname})`;
  if (state.kind === "unreadable") return "writer lock being taken";
  if (isCodexWriterActive(ctx.home, threadId)) return "live Codex writer";
  return undefined;
}

/** Takes the thread's writer lock (release it when done); `{ busy }` when someone else holds it. */
export async function takeThreadLock(ctx: LocalStoreContext, threadId: ThreadId): Promise<{ lock: WriterLock } | { busy: string }> {
  if (ctx.writers.get(threadId)) return { busy: "live writer in this process" };
  try {
    return { lock: await WriterLock.acquire(ctx.home, threadId, ctx.now()) };
  } catch (error) {
    if (error instanceof ConflictError) return { busy: error.message };
    throw error;
  }
}

/**
 * {@link takeThreadLock} of many threads at once (`WriterLock.acquireMany`: one holder record
 * linked to each lock), in order. Release each lock taken when done.
 */
export async function takeThreadLocks(ctx: LocalStoreContext, threadIds: readonly ThreadId[]): Promise<({ lock: WriterLock } | { busy: string })[]> {
  const free = threadIds.filter((id) => !ctx.writers.get(id));
  const taken = await WriterLock.acquireMany(ctx.home, free, ctx.now());
  let next = 0;
  return threadIds.map((id) => {
    if (ctx.writers.get(id)) return { busy: "live writer in this process" };
    const lock = taken[next++]!;
    return lock instanceof WriterLock ? { lock } : { busy: lock.message };
  });
}

/** Runs `fn` holding the thread's writer lock; returns `{ busy }` instead when someone else holds it. */
export async function withThreadLock<T>(ctx: LocalStoreContext, threadId: ThreadId, fn: () => Promise<T>): Promise<{ value: T } | { busy: string }> {
  const taken = await takeThreadLock(ctx, threadId);
  if ("busy" in taken) return taken;
  const { lock } = taken;
  try {
    return { value: await fn() };
  } finally {
    lock.release();
  }
}
