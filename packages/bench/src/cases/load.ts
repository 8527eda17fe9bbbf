import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { LocalThreadStore } from "@skein/thread-store";
import { atLeast, atMost, type BenchCase, type BenchContext, type Figure } from "../bench-context.js";
import { generateLargeRollout, type GeneratedThread } from "../generate-home.js";
import { runProcess } from "../internal/process.js";
import { nowMs, summarize } from "../stats.js";

/** The physical reference of a full load: `readFile` + split on newlines + `JSON.parse` per line. */
function rawLoad(path: string): number {
  const start = nowMs();
  const text = readFileSync(path, "utf8");
  let n = 0;
  for (const line of text.split("\n")) {
    if (line) {
      JSON.parse(line);
      n++;
    }
  }
  if (n < 0) throw new Error("unreachable");
  return nowMs() - start;
}

async function indexed(home: string, bytes: number, seed: number): Promise<GeneratedThread> {
  const thread = await generateLargeRollout({ home, bytes, seed });
  const store = await LocalThreadStore.open({ home, catchUp: "none" });
  try {
    await store.reindex();
  } finally {
    await store.close();
  }
  return thread;
}

async function tailPage(ctx: BenchContext, mode: "skein" | "offset", home: string, thread: GeneratedThread): Promise<{ ms: number; peakRssMb: number; error?: string }> {
  const child = fileURLToPath(new URL("../tail-page-child.js", import.meta.url));
  try {
    const run = await runProcess(process.execPath, [child, mode, home, thread.threadId, thread.path]);
    return JSON.parse(run.stdout.trim()) as { ms: number; peakRssMb: number };
  } catch (error) {
    ctx.log(`  tail page (${mode}) failed: ${String(error).slice(0, 200)}`);
    return { ms: Number.NaN, peakRssMb: Number.NaN, error: String(error).slice(0, 160) };
  }
}

/** Case 5: full history load vs raw parse; a page from the end of a huge rollout. */
export const loadCase: BenchCase = {
  id: "load",
  title: "Load: full history and a tail page",
  async run(ctx) {
    const c = "5 load";
    const mbLoad = ctx.sizes.loadBytes / 1024 / 1024;
    const loadHome = join(ctx.workDir, "load-home");
    ctx.log(`  writing a ${mbLoad} MB rollout`);
    const big = await indexed(loadHome, ctx.sizes.loadBytes, 5);
    const skein: number[] = [];
    const raw: number[] = [];
    const store = await LocalThreadStore.open({ home: loadHome, catchUp: "none" });
    try {
      for (let run = 0; run < ctx.sizes.runs; run++) {
        raw.push(rawLoad(big.path));
        const start = nowMs();
        await store.loadHistory({ threadId: big.threadId as never });
        skein.push(nowMs() - start);
      }
    } finally {
      await store.close();
    }
    const s = summarize(skein);
    const r = summarize(raw);
    const mb = big.bytes / 1e6;
    const figures: Figure[] = [
      { case: c, name: `loadHistory of a ${mbLoad} MB rollout`, unit: "ms", value: s.median, stats: s, note: `${((mb / s.median) * 1000).toFixed(0)} MB/s` },
      { case: c, name: "raw readFile + split + JSON.parse, same bytes", unit: "ms", value: r.median, stats: r, note: `${((mb / r.median) * 1000).toFixed(0)} MB/s` },
      atLeast({ case: c, name: "load rate vs raw parse rate", unit: "x", value: r.median / s.median }, 0.7),
    ];
    const mbTail = ctx.sizes.tailBytes / 1024 / 1024;
    const tailHome = join(ctx.workDir, "tail-home");
    ctx.log(`  writing a ${mbTail} MB rollout`);
    const huge = await indexed(tailHome, ctx.sizes.tailBytes, 6);
    const skeinTail: number[] = [];
    const skeinRss: number[] = [];
    const offsetTail: number[] = [];
    let error: string | undefined;
    for (let run = 0; run < Math.min(3, ctx.sizes.runs); run++) {
      const t = await tailPage(ctx, "skein", tailHome, huge);
      skeinTail.push(t.ms);
      skeinRss.push(t.peakRssMb);
      error ??= t.error;
      offsetTail.push((await tailPage(ctx, "offset", tailHome, huge)).ms);
    }
    const st = summarize(skeinTail);
    const rss = summarize(skeinRss);
    const ot = summarize(offsetTail);
    figures.push(
      atMost({ case: c, name: `listItems: last 50 of a ${mbTail} MB rollout (open store, own process)`, unit: "ms", value: st.median, stats: st, ...(error ? { note: error } : {}) }, 20),
      atMost({ case: c, name: `  peak RSS of that process`, unit: "MB", value: rss.median, stats: rss }, 200),
      { case: c, name: "byte-offset reference: read back from the end, parse 50 lines", unit: "ms", value: ot.median, stats: ot },
    );
    return figures;
  },
};
