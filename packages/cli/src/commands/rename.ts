import type { CommandContext } from "../context.js";
import { withThreadStore } from "../open-store.js";
import { resolveThread } from "../resolve-thread.js";

/**
 * `skein rename <id|name> <new-name>`: sets the thread's name (an empty name clears it). The
 * store records it in its index and appends it to `session_index.jsonl`, as Codex does.
 */
export async function renameCommand(ctx: CommandContext, ref: string, newName: string): Promise<void> {
  const name = newName.trim();
  const updated = await withThreadStore(ctx, async (store) => {
    const thread = await resolveThread(store, ref, ctx.where, { warn: ctx.out.error });
    return store.updateThreadMetadata({
      threadId: thread.threadId,
      patch: { name: name === "" ? null : name },
      includeArchived: true,
    });
  });
  ctx.out.line(name === "" ? `cleared the name of ${updated.threadId}` : `renamed ${updated.threadId} to "${name}"`);
}
