import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { activeRolloutPath } from "@skein/rollout";
import { StateDb, type ThreadRowInput } from "@skein/state";
import { LocalThreadStore } from "@skein/thread-store";
import { atMost, type BenchCase, type BenchContext, type Figure } from "../bench-context.js";
import { createRng } from "../rng.js";
import { summarize, timeRuns, type Stats } from "../stats.js";
import { userText, uuidV7 } from "../generate-home.js";

const SOURCES = ["cli", "vscode", "exec"] as const;
const START_MS = Date.UTC(2025, 0, 1);

/**
 * Seeds a home's index with `count` thread rows (each with an empty rollout file, since a list
 * checks that the files of its page exist). Rows are written straight into the index: extracting
 * 100,000 rollouts would measure reindex, which case 4 does.
 */
export function seedIndexedHome(home: string, count: number, seed: number): void {
  const rng = createRng(seed);
  const db = StateDb.open({ path: join(home, "skein_state_1.sqlite") });
  const dirs = new Set<string>();
  try {
    let batch: ThreadRowInput[] = [];
    for (let i = 0; i < count; i++) {
      const createdAt = START_MS + i * 60_000 + rng.int(30_000);
      const threadId = uuidV7(createdAt, rng);
      const rolloutPath = activeRolloutPath(home, threadId, createdAt);
      const dir = dirname(rolloutPath);
      if (!dirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        dirs.add(dir);
      }
      const first = userText(rng);
      // A real (small) rollout per row: the store skips rows whose file is empty (a thread
      // that was never written), so empty placeholders would measure that repair instead.
      writeFileSync(rolloutPath, minimalRollout(threadId, createdAt, first), { mode: 0o600 });
      const updatedAt = createdAt + rng.int(90 * 86_400_000);
      batch.push({
        threadId,
        rolloutPath,
        preview: first,
        title: first,
        firstUserMessage: first,
        modelProvider: "openai",
        model: "gpt-5.5",
        createdAt,
        updatedAt,
        cwd: `/home/dev/projects/p${rng.int(40)}`,
        cliVersion: "0.169.0",
        source: rng.pick(SOURCES),
        memoryMode: "enabled",
        historyMode: rng.chance(0.7) ? "paginated" : "legacy",
        tokensUsed: rng.int(200_000),
      });
      if (batch.length === 5_000) {
        db.upsertMany(batch);
        batch = [];
      }
    }
    if (batch.length) db.upsertMany(batch);
  } finally {
    db.close();
  }
}

function minimalRollout(threadId: string, createdAt: number, text: string): string {
  const ts = new Date(createdAt).toISOString();
  const meta = { id: threadId, timestamp: ts, cwd: "/home/dev", originator: "skein-bench", cli_version: "0.169.0", source: "cli", model_provider: "openai" };
  return (
    JSON.stringify({ timestamp: ts, type: "session_meta", payload: meta }) +
    "\n" +
    JSON.stringify({ timestamp: ts, type: "event_msg", payload: { type: "user_message", message: text, images: [] } }) +
    "\n"
  );
}

/** Median and p95 of the first page (50, by updated, newest first) of an open store. */
export async function firstPageStats(store: LocalThreadStore, runs: number): Promise<Stats> {
  const samples = await timeRuns(runs, () => store.listThreads({ pageSize: 50, sortKey: "updated", sortDirection: "desc" }), 20);
  return summarize(samples);
}

async function listAt(ctx: BenchContext, count: number): Promise<Stats> {
  const home = join(ctx.workDir, `list-${count}`);
  mkdirSync(home, { recursive: true });
  ctx.log(`  seeding an index of ${count} threads`);
  seedIndexedHome(home, count, count);
  const store = await LocalThreadStore.open({ home, catchUp: "none" });
  try {
    return await firstPageStats(store, ctx.sizes.listRuns);
  } finally {
    await store.close();
  }
}

/** Case 2: first page of the list at N and 10 N indexed threads, in-process. */
export const listCase: BenchCase = {
  id: "list",
  title: "List: first page at 10k and 100k indexed threads",
  async run(ctx: BenchContext): Promise<Figure[]> {
    const small = await listAt(ctx, ctx.sizes.listSmall);
    const large = await listAt(ctx, ctx.sizes.listLarge);
    const c = "2 list";
    return [
      atMost({ case: c, name: `first page, ${ctx.sizes.listSmall} threads, in-process`, unit: "ms", value: small.median, stats: small }, 5),
      atMost({ case: c, name: `first page, ${ctx.sizes.listLarge} threads, in-process`, unit: "ms", value: large.median, stats: large }, 5),
      atMost({ case: c, name: `${ctx.sizes.listLarge} vs ${ctx.sizes.listSmall} threads (median ratio)`, unit: "x", value: large.median / small.median }, 2),
    ];
  },
};
