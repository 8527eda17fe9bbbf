import type { Stats } from "./stats.js";

/** Sizes and repetitions of one benchmark run (`--quick` or full). */
export interface BenchSizes {
  appendItems: number;
  fsyncItems: number;
  listSmall: number;
  listLarge: number;
  homeThreads: number;
  loadBytes: number;
  tailBytes: number;
  runs: number;
  listRuns: number;
  processRuns: number;
  codexFirstOpenRuns: number;
}

/** Full sizes: the figures. */
export const FULL_SIZES: BenchSizes = {
  appendItems: 10_000,
  fsyncItems: 1_000,
  listSmall: 10_000,
  listLarge: 100_000,
  homeThreads: 10_000,
  loadBytes: 100 * 1024 * 1024,
  tailBytes: 1024 * 1024 * 1024,
  runs: 5,
  listRuns: 200,
  processRuns: 10,
  codexFirstOpenRuns: 3,
};

/** CI sizes: the same cases, small enough to finish in well under two minutes. */
export const QUICK_SIZES: BenchSizes = {
  appendItems: 1_000,
  fsyncItems: 100,
  listSmall: 1_000,
  listLarge: 10_000,
  homeThreads: 300,
  loadBytes: 8 * 1024 * 1024,
  tailBytes: 32 * 1024 * 1024,
  runs: 3,
  listRuns: 50,
  processRuns: 3,
  codexFirstOpenRuns: 1,
};

/** What every case gets. */
export interface BenchContext {
  readonly sizes: BenchSizes;
  readonly quick: boolean;
  /** A scratch directory of this run (removed at the end unless kept). */
  readonly workDir: string;
  /** The monorepo root (for the built CLI and the Codex binary). */
  readonly repoRoot: string;
  /** Progress output (stderr). */
  readonly log: (message: string) => void;
  /** The shared synthetic home of `sizes.homeThreads` threads, generated on first use. */
  readonly home: () => SharedHome;
}

/** The synthetic home cases 3, 4 and 6 share. */
export interface SharedHome {
  readonly path: string;
  readonly files: readonly string[];
  readonly bytes: number;
}

/** The unit a {@link Figure} is in. */
export type FigureUnit = "ms" | "MB/s" | "files/s" | "items/s" | "MB" | "KB" | "x";

/** One measured (or derived) number, with its target when the issue sets one. */
export interface Figure {
  /** Case number and short name, e.g. `1 append`. */
  readonly case: string;
  readonly name: string;
  readonly unit: FigureUnit;
  /** The headline value (a median, or a ratio of medians). */
  readonly value: number;
  readonly stats?: Stats;
  /** E.g. `<= 5 ms`, `>= 0.5x`. */
  readonly target?: string;
  /** Whether the target is met; undefined without a target. */
  readonly met?: boolean;
  readonly note?: string;
}

/** A benchmark case: it returns its figures (a failure inside becomes a figure with a note). */
export interface BenchCase {
  readonly id: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

/** Builds a figure whose target is `value <= max`. */
export function atMost(base: Omit<Figure, "target" | "met">, max: number): Figure {
  return { ...base, target: `<= ${max} ${base.unit}`, met: base.value <= max };
}

/** Builds a figure whose target is `value >= min`. */
export function atLeast(base: Omit<Figure, "target" | "met">, min: number): Figure {
  return { ...base, target: `>= ${min} ${base.unit}`, met: base.value >= min };
}
