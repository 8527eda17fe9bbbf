import type { CommandContext } from "../context.js";
import { withThreadStore } from "../open-store.js";
import { resolveThread } from "../resolve-thread.js";

/**
 * `skein archive <id|name>`: moves the thread's rollout to `archived_sessions/` (content
 * unchanged). Archiving an archived thread changes nothing and succeeds.
 */
export async function archiveCommand(ctx: CommandContext, ref: string): Promise<void> {
  const message = await withThreadStore(ctx, async (store) => {
    const thread = await resolveThread(store, ref, ctx.where, { warn: ctx.out.error });
    if (thread.archived) return `${thread.threadId} is already archived`;
    await store.archiveThread({ threadId: thread.threadId });
    return `archived ${thread.threadId} (bring it back with \`skein unarchive ${thread.threadId}\`)`;
  });
  ctx.out.line(message);
}

/**
 * `skein unarchive <id|name>`: moves an archived thread's rollout back to its dated folder.
 * Unarchiving an active thread changes nothing and succeeds.
 */
export async function unarchiveCommand(ctx: CommandContext, ref: string): Promise<void> {
  const message = await withThreadStore(ctx, async (store) => {
    const thread = await resolveThread(store, ref, ctx.where, { warn: ctx.out.error });
    if (!thread.archived) return `${thread.threadId} is not archived`;
    await store.unarchiveThread({ threadId: thread.threadId });
    return `unarchived ${thread.threadId}`;
  });
  ctx.out.line(message);
}
