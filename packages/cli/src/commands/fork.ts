import type { CommandContext } from "../context.js";
import { withThreadStore } from "../open-store.js";
import { resolveThread } from "../resolve-thread.js";

/** Options of `skein fork`. */
export interface ForkOptions {
  name?: string;
}

/**
 * `skein fork <id|name> [--name N]`: a new thread holding a copy of the source's history and
 * its dynamic tools, made through `ThreadManager.forkThread`. Prints only the new id on stdout
 * (so `id=$(skein fork x)` works); the friendly line goes to stderr.
 */
export async function forkCommand(ctx: CommandContext, ref: string, options: ForkOptions): Promise<void> {
  const { ThreadManager } = await import("@skein/core-session");
  const forked = await withThreadStore(ctx, async (store) => {
    const source = await resolveThread(store, ref, ctx.where, { warn: ctx.out.error });
    const manager = new ThreadManager({ store, defaults: { modelProvider: source.modelProvider } });
    try {
      const session = await manager.forkThread({ threadId: source.threadId, name: options.name });
      return { id: session.threadId, source };
    } finally {
      await manager.shutdownAll();
    }
  });
  ctx.out.line(forked.id);
  const label = forked.source.name ? `"${forked.source.name}"` : forked.source.threadId;
  ctx.out.error(ctx.out.colors.dim(`forked ${label} into ${forked.id}${options.name ? ` ("${options.name}")` : ""}`));
}
