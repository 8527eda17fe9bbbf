import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { RolloutItem } from "@skein/protocol";
import { LiveThread } from "@skein/core-session";
import { LocalThreadStore } from "@skein/thread-store";
import { atLeast, type BenchCase, type BenchContext, type Figure } from "../bench-context.js";
import { createRng } from "../rng.js";
import { summarize, nowMs } from "../stats.js";
import { uuidV7 } from "../generate-home.js";

const ITEM_TEXT_BYTES = 1024;

/** One assistant message whose text is 1 KiB (Codex's own append benchmark shape). */
function item(i: number): RolloutItem {
  const text = `item ${i} `.padEnd(ITEM_TEXT_BYTES, "lorem ipsum dolor sit amet ");
  return {
    type: "response_item",
    payload: { type: "message", role: "assistant", id: `msg_bench_${i}`, content: [{ type: "output_text", text, annotations: [] }] },
  } as RolloutItem;
}

interface AppendRun {
  ms: number;
  latencies: number[];
  path: string;
  bytes: number;
}

async function skeinAppend(home: string, items: number, fsync: boolean, seed: number): Promise<AppendRun> {
  const store = await LocalThreadStore.open({ home, catchUp: "none", fsync });
  const threadId = uuidV7(Date.now(), createRng(seed));
  const live = await LiveThread.create(store, { threadId, source: "cli", metadata: { modelProvider: "openai", cwd: "/home/dev/bench" } });
  const latencies: number[] = [];
  const start = nowMs();
  for (let i = 0; i < items; i++) {
    const t = nowMs();
    await live.appendItems([item(i)]);
    latencies.push(nowMs() - t);
  }
  await live.shutdown();
  const ms = nowMs() - start;
  const record = await store.readThread({ threadId });
  await store.close();
  const path = record.rolloutPath!;
  return { ms, latencies, path, bytes: readFileSync(path).length };
}

/** The physical limit: the same lines, one `writeSync` each (plus `fsyncSync` in fsync mode). */
function rawAppend(lines: readonly Buffer[], target: string, fsync: boolean): { ms: number; latencies: number[] } {
  const fd = openSync(target, "a");
  const latencies: number[] = [];
  const start = nowMs();
  try {
    for (const line of lines) {
      const t = nowMs();
      let off = 0;
      while (off < line.length) off += writeSync(fd, line, off, line.length - off);
      if (fsync) fsyncSync(fd);
      latencies.push(nowMs() - t);
    }
  } finally {
    closeSync(fd);
  }
  return { ms: nowMs() - start, latencies };
}

function linesOf(path: string, skip: number): Buffer[] {
  const data = readFileSync(path);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, start)) {
    out.push(data.subarray(start, i + 1));
    start = i + 1;
  }
  return out.slice(skip);
}

async function measure(ctx: BenchContext, items: number, fsync: boolean): Promise<Figure[]> {
  const label = fsync ? "fsync" : "no fsync";
  const skeinMs: number[] = [];
  const rawMs: number[] = [];
  const skeinLat: number[] = [];
  const rawLat: number[] = [];
  let bytes = 0;
  const runs = fsync ? Math.min(3, ctx.sizes.runs) : ctx.sizes.runs;
  for (let run = 0; run < runs; run++) {
    const home = join(ctx.workDir, `append-${fsync ? "fsync" : "os"}-${run}`);
    const s = await skeinAppend(home, items, fsync, run + 1);
    // The raw writer appends the very bytes Skein wrote for the items (session_meta excluded).
    const lines = linesOf(s.path, 1);
    const r = rawAppend(lines, join(home, "raw.jsonl"), fsync);
    bytes = lines.reduce((n, l) => n + l.length, 0);
    skeinMs.push(s.ms);
    rawMs.push(r.ms);
    skeinLat.push(...s.latencies);
    rawLat.push(...r.latencies);
  }
  const skein = summarize(skeinMs.map((ms) => (items / ms) * 1000));
  const raw = summarize(rawMs.map((ms) => (items / ms) * 1000));
  const c = "1 append";
  const figures: Figure[] = [
    { case: c, name: `LiveThread append, ${items} x 1 KiB, metadata sync on (${label})`, unit: "items/s", value: skein.median, stats: skein, note: `${((bytes / 1e6) * (skein.median / items)).toFixed(1)} MB/s` },
    { case: c, name: `raw fs.writeSync, same bytes (${label})`, unit: "items/s", value: raw.median, stats: raw },
    { case: c, name: `append latency per item (${label})`, unit: "ms", value: summarize(skeinLat).median, stats: summarize(skeinLat), note: `p95 ${summarize(skeinLat).p95.toFixed(3)} ms; raw p95 ${summarize(rawLat).p95.toFixed(3)} ms` },
  ];
  const ratio = skein.median / raw.median;
  figures.push(fsync ? { case: c, name: "throughput vs raw (fsync)", unit: "x", value: ratio } : atLeast({ case: c, name: "throughput vs raw (no fsync)", unit: "x", value: ratio }, 0.5));
  return figures;
}

/** Case 1: LiveThread appends against raw `fs.writeSync` of the same bytes, with and without fsync. */
export const appendCase: BenchCase = {
  id: "append",
  title: "Append: LiveThread vs raw writeSync",
  async run(ctx) {
    const os = await measure(ctx, ctx.sizes.appendItems, false);
    const sync = await measure(ctx, ctx.sizes.fsyncItems, true);
    const perItem = (f: Figure[]) => 1000 / f[0]!.value;
    return [
      ...os,
      ...sync,
      { case: "1 append", name: "fsync mode cost per item (Skein fsync - Skein no fsync)", unit: "ms", value: perItem(sync) - perItem(os) },
    ];
  },
};
