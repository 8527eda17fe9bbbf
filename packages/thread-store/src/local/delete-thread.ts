import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { archivedPathFor, findRolloutPath, isArchivedPath, removeSessionNameEntries } from "@skein/rollout";
import { ThreadNotFoundError } from "../errors.js";
import { parseThreadId } from "../history/index.js";
import type { ThreadIdParams } from "../types.js";
import { assertNoForeignWriter } from "./archive-thread.js";
import { assertInsideHome } from "./home-paths.js";
import type { LocalStoreContext } from "./store-context.js";
import { codexForgetThread } from "../codex-index/codex-index-sync.js";
import { syncCodexIndex } from "./codex-sync.js";

// deleteThread: every file of the thread (both collections, compressed and torn copies), its name and its row.

export async function deleteThread(ctx: LocalStoreContext, params: ThreadIdParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  assertNoForeignWriter(ctx, threadId);
  const writer = ctx.writers.get(threadId);
  const paths = new Set<string>();
  if (writer?.recorder.materialized) paths.add(writer.recorder.path);
  const row = ctx.db?.getThread(threadId);
  if (row) paths.add(row.rolloutPath);
  const active = await findRolloutPath(ctx.home, threadId, { includeArchived: false });
  if (active) paths.add(active.path);
  const archived = await findRolloutPath(ctx.home, threadId, { includeArchived: true });
  if (archived) paths.add(archived.path);
  for (const p of [...paths]) paths.add(isArchivedPath(ctx.home, p) ? p : archivedPathFor(ctx.home, p));
  if (writer) {
    writer.recorder.discard();
    ctx.writers.remove(threadId);
  }
  let removed = 0;
  for (const p of paths) {
    const plain = p.endsWith(".zst") ? p.slice(0, -4) : p;
    for (const file of [plain, `${plain}.zst`, `${plain}.torn`]) {
      const inside = await assertInsideHome(ctx.home, file).catch(() => undefined);
      if (!inside) continue;
      if (existsSync(file)) {
        await rm(file, { force: true });
        if (!file.endsWith(".torn")) removed++;
      }
    }
    ctx.db?.forgetIndexedFile(plain);
    await ctx.itemIndexes.forget(plain);
  }
  await removeSessionNameEntries(ctx.home, threadId);
  await ctx.sidecar.remove(threadId);
  if (row) ctx.db!.deleteThread(threadId);
  syncCodexIndex(ctx, () => codexForgetThread(ctx.home, { threadId }));
  if (removed === 0 && !row && !writer) throw new ThreadNotFoundError(threadId);
}
