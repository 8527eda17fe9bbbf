import type { CommandContext } from "../context.js";
import type { LocalThreadStore } from "@skein/thread-store";
import { ConfirmationRequiredError, UsageError } from "../errors.js";
import { withThreadStore } from "../open-store.js";
import { resolveThread } from "../resolve-thread.js";

/** Options of `skein delete`. */
export interface DeleteOptions {
  yes?: boolean;
  /** Delete for good instead of moving to the trash. */
  permanent?: boolean;
}

/**
 * `skein delete <id|name> --yes`: moves the thread to the trash of a local home
 * (docs/storage-care.md); with `--permanent`, removes the thread's rollout, index row and name
 * entries for good (the only way on a PostgreSQL store, which has no trash). Without `--yes`
 * nothing is opened or touched and the command fails with exit 2.
 */
export async function deleteCommand(ctx: CommandContext, ref: string, options: DeleteOptions): Promise<void> {
  if (!options.yes) {
    const consequence = options.permanent
      ? "--permanent cannot be undone (without it the thread goes to the trash)"
      : "it moves the thread to the trash (`skein trash restore` brings it back)";
    throw new ConfirmationRequiredError("delete", ref, { consequence });
  }
  if (!options.permanent && ctx.store.kind !== "local") {
    throw new UsageError("a PostgreSQL store has no trash: add --permanent to delete the thread for good");
  }
  const thread = await withThreadStore(ctx, async (store) => {
    const found = await resolveThread(store, ref, ctx.where, { warn: ctx.out.error });
    if (options.permanent) await store.deleteThread({ threadId: found.threadId });
    else await (store as LocalThreadStore).storage().trash(found.threadId, "delete");
    return found;
  });
  const name = thread.name ? ` ("${thread.name}")` : "";
  ctx.out.line(options.permanent ? `deleted ${thread.threadId}${name}` : `moved ${thread.threadId}${name} to the trash; \`skein trash restore ${thread.threadId}\` brings it back`);
}
