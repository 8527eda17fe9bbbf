import { appendFileSync, readFileSync } from "node:fs";
import { LocalThreadStore } from "@skein/thread-store";
import { atLeast, atMost, type BenchCase, type BenchContext, type Figure } from "../bench-context.js";
import { removeSkeinIndex } from "../internal/home-files.js";
import { createRng } from "../rng.js";
import { nowMs, summarize } from "../stats.js";

/** The physical limit: read every rollout's bytes (what any index build must at least do). */
function rawRead(files: readonly string[]): number {
  const start = nowMs();
  let sum = 0;
  for (const file of files) sum += readFileSync(file).length;
  if (sum < 0) throw new Error("unreachable");
  return nowMs() - start;
}

async function reindexOnce(home: string): Promise<{ ms: number; indexed: number }> {
  const start = nowMs();
  const store = await LocalThreadStore.open({ home, catchUp: "none" });
  try {
    const report = await store.reindex();
    return { ms: nowMs() - start, indexed: report.indexed };
  } finally {
    await store.close();
  }
}

/** A valid line to append (a token count event), so a changed file still parses. */
const TOUCH_LINE = JSON.stringify({ timestamp: "2025-12-01T00:00:00.000Z", type: "event_msg", payload: { type: "token_count", info: null, rate_limits: null } }) + "\n";

/** Case 4: cold index build vs raw read of the same bytes; incremental with 1% changed. */
export const reindexCase: BenchCase = {
  id: "reindex",
  title: "Reindex: cold and incremental",
  async run(ctx: BenchContext): Promise<Figure[]> {
    const { path: home, files, bytes } = ctx.home();
    const cold: number[] = [];
    const raw: number[] = [];
    for (let run = 0; run < ctx.sizes.runs; run++) {
      raw.push(rawRead(files));
      removeSkeinIndex(home);
      const r = await reindexOnce(home);
      cold.push(r.ms);
    }
    const rng = createRng(99);
    const incremental: number[] = [];
    const changed = Math.max(1, Math.round(files.length / 100));
    for (let run = 0; run < ctx.sizes.runs; run++) {
      for (let i = 0; i < changed; i++) appendFileSync(files[rng.int(files.length)]!, TOUCH_LINE);
      incremental.push((await reindexOnce(home)).ms);
    }
    const coldS = summarize(cold);
    const rawS = summarize(raw);
    const incS = summarize(incremental);
    const mb = bytes / 1e6;
    const c = "4 reindex";
    return [
      { case: c, name: `cold index build, ${files.length} rollouts (${mb.toFixed(0)} MB)`, unit: "ms", value: coldS.median, stats: coldS, note: `${((files.length / coldS.median) * 1000).toFixed(0)} files/s, ${((mb / coldS.median) * 1000).toFixed(0)} MB/s` },
      { case: c, name: "raw read of the same files", unit: "ms", value: rawS.median, stats: rawS, note: `${((files.length / rawS.median) * 1000).toFixed(0)} files/s, ${((mb / rawS.median) * 1000).toFixed(0)} MB/s` },
      atLeast({ case: c, name: "cold build rate vs raw read rate", unit: "x", value: rawS.median / coldS.median }, 0.5),
      { case: c, name: `incremental, ${changed} changed files (1%)`, unit: "ms", value: incS.median, stats: incS },
      atMost({ case: c, name: "incremental vs cold time", unit: "x", value: incS.median / coldS.median }, 0.05),
    ];
  },
};
