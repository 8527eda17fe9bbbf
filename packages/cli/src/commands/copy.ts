import type { ThreadId } from "@skein/protocol";
import { isThreadStoreError, type ThreadStore } from "@skein/thread-store";
import type { CommandContext } from "../context.js";
import { CopyFailedError, UsageError } from "../errors.js";
import { openThreadStore, type OpenedStore } from "../open-store.js";
import { resolveThread } from "../resolve-thread.js";
import { describeLocation, parseStoreLocation, type StoreLocation } from "../store-location.js";

/** Which way `skein export` / `skein import` copies. */
export type CopyDirection = "export" | "import";

/** Options of the copy commands, as parsed from the command line. */
export interface CopyOptions {
  /** `export --to URL|DIR`. */
  to?: string;
  /** `import --from URL|DIR`. */
  from?: string;
}

/**
 * `skein export --to <url|dir> [<id|name>…]` and `skein import --from <url|dir> [<id|name>…]`:
 * copies threads between the current store and another one with `copyThreads`, byte for
 * byte when the target can take whole threads (a local home, PostgreSQL). Threads the target
 * already has are skipped, never overwritten, so a rerun after a failure finishes the job.
 * Named threads bring the fork parents their history is read through. Prints
 * `exported N threads (S skipped, F failed)`; any failure → `CopyFailedError` (exit 1).
 */
export async function copyCommand(ctx: CommandContext, direction: CopyDirection, refs: readonly string[], options: CopyOptions): Promise<void> {
  const otherFlag = direction === "export" ? options.to : options.from;
  if (otherFlag === undefined || otherFlag === "") throw new UsageError(`${direction} needs ${direction === "export" ? "--to" : "--from"} <postgres-url|dir>`);
  const other = parseStoreLocation({ store: otherFlag }, {}, ctx.cwd);
  if (sameLocation(other, ctx.store)) throw new UsageError(`${direction} would copy ${ctx.where} onto itself: give another store`);
  const { copyThreads } = await import("@skein/thread-store-postgres");
  const opened: OpenedStore[] = [];
  try {
    const here = await openThreadStore(ctx.store, { create: direction === "import" });
    opened.push(here);
    const there = await openThreadStore(other, { create: direction === "export" });
    opened.push(there);
    const [from, to] = direction === "export" ? [here.store, there.store] : [there.store, here.store];
    const sourceWhere = direction === "export" ? ctx.where : describeLocation(other);
    const threadIds = refs.length === 0 ? undefined : await withForkParents(from, await resolveRefs(ctx, from, refs, sourceWhere));
    const result = await copyThreads({
      from,
      to,
      ...(threadIds ? { threadIds } : {}),
    });
    const total = result.copied.length + result.skipped.length + result.failed.length;
    for (const { threadId, error } of result.failed) ctx.out.error(`${ctx.out.colors.red("failed:")} ${threadId}: ${error.message}`);
    ctx.out.line(
      `${direction}ed ${result.copied.length} thread${result.copied.length === 1 ? "" : "s"} ` +
        `(${result.skipped.length} skipped, ${result.failed.length} failed) ${direction === "export" ? "to" : "from"} ${describeLocation(other)}`,
    );
    if (result.skipped.length > 0) ctx.out.error(ctx.out.colors.dim(`skipped threads were already there and were left untouched`));
    if (!result.faithful && result.copied.length > 0) {
      ctx.out.error(ctx.out.colors.yellow("note: the target stamped new line timestamps (it cannot store whole threads as they are)"));
    }
    if (result.failed.length > 0) throw new CopyFailedError(result.failed.length, total);
  } finally {
    for (const store of opened.reverse()) await store.close();
  }
}

/** The ids the refs name in the source (ids or names, as every command takes them), deduplicated. */
async function resolveRefs(ctx: CommandContext, from: ThreadStore, refs: readonly string[], where: string): Promise<ThreadId[]> {
  const ids: ThreadId[] = [];
  for (const ref of refs) {
    const thread = await resolveThread(from, ref, where, { warn: ctx.out.error });
    if (!ids.includes(thread.threadId)) ids.push(thread.threadId);
  }
  return ids;
}

/**
 * `ids` plus the ancestors a paginated fork reads its history through (`forkedFromId`, up the
 * chain), ancestors first: a fork copied without its parent would lose the inherited prefix.
 */
async function withForkParents(from: ThreadStore, ids: readonly ThreadId[]): Promise<ThreadId[]> {
  const ordered: ThreadId[] = [];
  const visit = async (threadId: ThreadId, depth: number): Promise<void> => {
    if (ordered.includes(threadId) || depth > 64) return;
    const thread = await readOrUndefined(from, threadId);
    if (thread === undefined) return; // a parent the source lacks: the fork's own read will say so
    if (thread.historyMode === "paginated" && thread.forkedFromId !== undefined) await visit(thread.forkedFromId, depth + 1);
    if (!ordered.includes(threadId)) ordered.push(threadId);
  };
  for (const threadId of ids) await visit(threadId, 0);
  return ordered;
}

async function readOrUndefined(store: ThreadStore, threadId: ThreadId) {
  try {
    return await store.readThread({ threadId, includeArchived: true });
  } catch (error) {
    if (isThreadStoreError(error) && error.code === "thread_not_found") return undefined;
    throw error;
  }
}

function sameLocation(a: StoreLocation, b: StoreLocation): boolean {
  if (a.kind === "local" && b.kind === "local") return a.home === b.home;
  if (a.kind === "postgres" && b.kind === "postgres") return a.url === b.url && (a.schema ?? "skein") === (b.schema ?? "skein");
  return false;
}
