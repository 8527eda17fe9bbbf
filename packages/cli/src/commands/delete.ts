import type { CommandContext } from "../context.js";
import { ConfirmationRequiredError } from "../errors.js";
import { withThreadStore } from "../open-store.js";
import { resolveThread } from "../resolve-thread.js";

/** Options of `skein delete`. */
export interface DeleteOptions {
  yes?: boolean;
}

/**
 * `skein delete <id|name> --yes`: removes the thread's rollout, index row and name entries.
 * Without `--yes` nothing is opened or touched and the command fails with exit 2.
 */
export async function deleteCommand(ctx: CommandContext, ref: string, options: DeleteOptions): Promise<void> {
  if (!options.yes) throw new ConfirmationRequiredError("delete", ref);
  const thread = await withThreadStore(ctx, async (store) => {
    const found = await resolveThread(store, ref, ctx.where, { warn: ctx.out.error });
    await store.deleteThread({ threadId: found.threadId });
    return found;
  });
  ctx.out.line(`deleted ${thread.threadId}${thread.name ? ` ("${thread.name}")` : ""}`);
}
