/** Summary of repeated measurements of one figure. */
export interface Stats {
  runs: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

/** The `q` quantile (0..1) of `sorted` (ascending), nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** Median, p95 (nearest rank), min and max of `samples`. */
export function summarize(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `fn` `runs` times (after `warmup` unmeasured runs) and returns the durations in ms. */
export async function timeRuns(runs: number, fn: (run: number) => unknown, warmup = 0): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = nowMs();
    await fn(i);
    out.push(nowMs() - start);
  }
  return out;
}
