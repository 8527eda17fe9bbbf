import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { RolloutItem } from "@skein/protocol";
import { LiveThread } from "@skein/core-session";
import type { RawRolloutItem } from "@skein/rollout";
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

/**
 * The same item as JSON text, as a model stream delivers it: decoded from bytes (a flat string;
 * `JSON.stringify`'s own result would be a rope that the first reader flattens).
 */
function rawItem(i: number): RawRolloutItem {
  const { type, payload } = item(i);
  return { type, payloadJson: Buffer.from(JSON.stringify(payload)).toString("utf8") };
}

/** How items reach `LiveThread`: objects (`appendItems`) or JSON text (`appendRawItems`). */
type Feed = "objects" | "json";

interface AppendRun {
  ms: number;
  latencies: number[];
  path: string;
  bytes: number;
}

async function skeinAppend(home: string, items: number, fsync: boolean, seed: number, feed: Feed): Promise<AppendRun> {
  const store = await LocalThreadStore.open({ home, catchUp: "none", fsync });
  const threadId = uuidV7(Date.now(), createRng(seed));
  const live = await LiveThread.create(store, { threadId, source: "cli", metadata: { modelProvider: "openai", cwd: "/home/dev/bench" } });
  // Inputs are made before the clock starts: building an item is the caller's cost, not the append's.
  const objects = feed === "objects" ? Array.from({ length: items }, (_, i) => item(i)) : [];
  const texts = feed === "json" ? Array.from({ length: items }, (_, i) => rawItem(i)) : [];
  const latencies: number[] = [];
  const start = nowMs();
  for (let i = 0; i < items; i++) {
    const t = nowMs();
    if (feed === "objects") await live.appendItems([objects[i]!]);
    else await live.appendRawItems([texts[i]!]);
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
  const ms: Record<Feed | "raw", number[]> = { objects: [], json: [], raw: [] };
  const lat: Record<Feed | "raw", number[]> = { objects: [], json: [], raw: [] };
  let bytes = 0;
  const runs = fsync ? Math.min(3, ctx.sizes.runs) : ctx.sizes.runs;
  for (let run = 0; run < runs; run++) {
    const home = join(ctx.workDir, `append-${fsync ? "fsync" : "os"}-${run}`);
    // Both feeds write the same lines (timestamps aside); the order alternates so neither always goes first.
    const feeds: Feed[] = run % 2 === 0 ? ["objects", "json"] : ["json", "objects"];
    let path = "";
    for (const feed of feeds) {
      const s = await skeinAppend(join(home, feed), items, fsync, run + 1, feed);
      ms[feed].push(s.ms);
      lat[feed].push(...s.latencies);
      if (feed === "objects") path = s.path;
    }
    // The raw writer appends the very bytes Skein wrote for the items (session_meta excluded).
    const lines = linesOf(path, 1);
    const r = rawAppend(lines, join(home, "raw.jsonl"), fsync);
    bytes = lines.reduce((n, l) => n + l.length, 0);
    ms.raw.push(r.ms);
    lat.raw.push(...r.latencies);
  }
  const rate = (feed: Feed | "raw") => summarize(ms[feed].map((m) => (items / m) * 1000));
  const skein = rate("objects");
  const json = rate("json");
  const raw = rate("raw");
  const mbs = (s: { median: number }) => `${((bytes / 1e6) * (s.median / items)).toFixed(1)} MB/s`;
  const p95 = (feed: Feed) => `p95 ${summarize(lat[feed]).p95.toFixed(3)} ms; raw p95 ${summarize(lat.raw).p95.toFixed(3)} ms`;
  const c = "1 append";
  const figures: Figure[] = [
    { case: c, name: `LiveThread append, ${items} x 1 KiB, metadata sync on (${label})`, unit: "items/s", value: skein.median, stats: skein, note: mbs(skein) },
    { case: c, name: `LiveThread appendRawItems (JSON text), ${items} x 1 KiB, metadata sync on (${label})`, unit: "items/s", value: json.median, stats: json, note: mbs(json) },
    { case: c, name: `raw fs.writeSync, same bytes (${label})`, unit: "items/s", value: raw.median, stats: raw },
    { case: c, name: `append latency per item (${label})`, unit: "ms", value: summarize(lat.objects).median, stats: summarize(lat.objects), note: p95("objects") },
    { case: c, name: `appendRawItems latency per item (${label})`, unit: "ms", value: summarize(lat.json).median, stats: summarize(lat.json), note: p95("json") },
  ];
  const ratio = skein.median / raw.median;
  const jsonRatio = json.median / raw.median;
  if (fsync) {
    figures.push({ case: c, name: "throughput vs raw (fsync)", unit: "x", value: ratio });
    figures.push({ case: c, name: "appendRawItems throughput vs raw (fsync)", unit: "x", value: jsonRatio });
  } else {
    // The target is on the recommended path for text that arrives as JSON (a model stream's items).
    figures.push({ case: c, name: "throughput vs raw (no fsync)", unit: "x", value: ratio, note: "object path" });
    figures.push(atLeast({ case: c, name: "appendRawItems throughput vs raw (no fsync)", unit: "x", value: jsonRatio, note: "JSON-text path, the recommended one for streamed items" }, 0.5));
  }
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
