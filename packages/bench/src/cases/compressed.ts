import { cpSync } from "node:fs";
import { join } from "node:path";
import { compressRolloutFile } from "@skein/rollout";
import { LocalThreadStore } from "@skein/thread-store";
import { atLeast, atMost, type BenchCase, type BenchContext, type Figure } from "../bench-context.js";
import { generateHome, generateLargeRollout, type GeneratedThread } from "../generate-home.js";
import { nowMs, summarize, timeRuns, type Stats } from "../stats.js";

// Case 9 (issue 13): the same home with every rollout compressed to `.jsonl.zst` (as Codex's
// worker leaves it) against the plain home — first page of the list, a tail page of items, the
// index build — and the full load of one large rollout, compressed against plain.

async function compressAll(threads: readonly GeneratedThread[], plainHome: string, zstHome: string): Promise<void> {
  for (const t of threads) await compressRolloutFile(join(zstHome, t.path.slice(plainHome.length)));
}

interface HomeFigures {
  reindexMs: number;
  firstPage: number[];
  tailPage: number[];
}

/**
 * Reindexes both homes, then times the first page and a tail page of items alternately on the
 * two open stores, so that the load of a shared machine falls on both alike.
 */
async function measureHomes(ctx: BenchContext, homes: readonly string[], pageThread: string): Promise<HomeFigures[]> {
  const stores = await Promise.all(homes.map((home) => LocalThreadStore.open({ home, catchUp: "none" })));
  try {
    const out: HomeFigures[] = [];
    for (const store of stores) {
      const start = nowMs();
      await store.reindex();
      out.push({ reindexMs: nowMs() - start, firstPage: [], tailPage: [] });
    }
    const list = (store: LocalThreadStore) => store.listThreads({ pageSize: 50, sortKey: "updated", sortDirection: "desc" });
    const tail = (store: LocalThreadStore) => store.listItems({ threadId: pageThread as never, pageSize: 50, sortDirection: "desc" });
    for (const store of stores) for (let i = 0; i < 10; i++) await list(store);
    // Alternate which home goes first, too: the second call of a pair runs on a warmer process.
    const order = (run: number) => (run % 2 === 0 ? [...stores.entries()] : [...stores.entries()].reverse());
    for (let run = 0; run < ctx.sizes.listRuns; run++) {
      for (const [i, store] of order(run)) out[i]!.firstPage.push(...(await timeRuns(1, () => list(store))));
    }
    for (let run = 0; run < ctx.sizes.runs; run++) {
      for (const [i, store] of order(run)) out[i]!.tailPage.push(...(await timeRuns(1, () => tail(store))));
    }
    return out;
  } finally {
    for (const store of stores) await store.close();
  }
}

async function loadRuns(ctx: BenchContext, home: string, threadId: string): Promise<Stats> {
  const store = await LocalThreadStore.open({ home, catchUp: "none" });
  try {
    await store.reindex();
    const samples: number[] = [];
    for (let run = 0; run < ctx.sizes.runs; run++) {
      const start = nowMs();
      await store.loadHistory({ threadId: threadId as never });
      samples.push(nowMs() - start);
    }
    return summarize(samples);
  } finally {
    await store.close();
  }
}

export const compressedCase: BenchCase = {
  id: "compressed",
  title: "Compressed homes: .jsonl.zst against plain",
  async run(ctx) {
    const c = "9 compressed";
    const threads = Math.min(ctx.sizes.homeThreads, 2_000);
    const plainHome = join(ctx.workDir, "zst-plain-home");
    const zstHome = join(ctx.workDir, "zst-home");
    ctx.log(`  writing ${threads} rollouts, then a compressed copy`);
    const generated = generateHome({ home: plainHome, threads, seed: 9 });
    cpSync(plainHome, zstHome, { recursive: true });
    await compressAll(generated.threads, plainHome, zstHome);
    const biggest = [...generated.threads].sort((a, b) => b.bytes - a.bytes)[0]!;
    const [plain, zst] = await measureHomes(ctx, [plainHome, zstHome], biggest.threadId);
    const [pf, zf, pt, zt] = [summarize(plain!.firstPage), summarize(zst!.firstPage), summarize(plain!.tailPage), summarize(zst!.tailPage)];
    const figures: Figure[] = [
      { case: c, name: `reindex ${threads} plain rollouts`, unit: "ms", value: plain!.reindexMs },
      { case: c, name: "reindex the same rollouts compressed", unit: "ms", value: zst!.reindexMs, note: `${(zst!.reindexMs / plain!.reindexMs).toFixed(2)}x plain` },
      { case: c, name: "first page (50), plain home", unit: "ms", value: pf.median, stats: pf },
      { case: c, name: "first page (50), compressed home", unit: "ms", value: zf.median, stats: zf },
      // "Unchanged": the list reads the index, never the rollouts; runs alternate between the homes.
      atMost({ case: c, name: "first page, compressed vs plain (median ratio)", unit: "x", value: zf.median / pf.median }, 1.25),
      { case: c, name: `last 50 items of a ${(biggest.bytes / 1024).toFixed(0)} KB rollout, plain`, unit: "ms", value: pt.median, stats: pt },
      { case: c, name: "  the same, compressed", unit: "ms", value: zt.median, stats: zt },
    ];
    const mb = ctx.sizes.loadBytes / 1024 / 1024;
    const loadPlain = join(ctx.workDir, "zst-load-plain");
    const loadZst = join(ctx.workDir, "zst-load");
    ctx.log(`  writing a ${mb} MB rollout, then a compressed copy`);
    const big = await generateLargeRollout({ home: loadPlain, bytes: ctx.sizes.loadBytes, seed: 99 });
    cpSync(loadPlain, loadZst, { recursive: true });
    const compressStart = nowMs();
    const packed = await compressRolloutFile(join(loadZst, big.path.slice(loadPlain.length)));
    const compressMs = nowMs() - compressStart;
    const p = await loadRuns(ctx, loadPlain, big.threadId);
    const z = await loadRuns(ctx, loadZst, big.threadId);
    const plainRate = big.bytes / 1e6 / (p.median / 1000);
    const zstRate = big.bytes / 1e6 / (z.median / 1000);
    figures.push(
      { case: c, name: `compressRolloutFile of ${mb} MB`, unit: "ms", value: compressMs, note: `${((packed.compressedBytes ?? 0) / 1e6).toFixed(1)} MB on disk` },
      { case: c, name: `loadHistory of ${mb} MB, plain`, unit: "ms", value: p.median, stats: p, note: `${plainRate.toFixed(0)} MB/s` },
      { case: c, name: `loadHistory of ${mb} MB, compressed`, unit: "ms", value: z.median, stats: z, note: `${zstRate.toFixed(0)} MB/s of plain text` },
      atLeast({ case: c, name: "compressed load rate vs plain", unit: "x", value: zstRate / plainRate }, 0.5),
    );
    return figures;
  },
};
