#!/usr/bin/env node
// `pnpm bench`: runs every case (or `--only=a,b`), prints a table, and writes
// `bench/results/latest.{json,md}` (a full run also writes `full.{json,md}`).
// Usage: node packages/bench/dist/run.js [--quick] [--only=append,list,codex,reindex,load,memory,viewer,postgres,storage,compressed,search] [--out=DIR] [--keep]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FULL_SIZES, QUICK_SIZES, type BenchCase, type BenchContext, type Figure, type SharedHome } from "./bench-context.js";
import { appendCase } from "./cases/append.js";
import { listCase } from "./cases/list.js";
import { versusCodexCase } from "./cases/versus-codex.js";
import { reindexCase } from "./cases/reindex.js";
import { loadCase } from "./cases/load.js";
import { memoryCase } from "./cases/memory.js";
import { viewerCase } from "./cases/viewer.js";
import { postgresCase } from "./cases/postgres.js";
import { storageCase } from "./cases/storage.js";
import { compressedCase } from "./cases/compressed.js";
import { searchCase } from "./cases/search.js";
import { BenchArgumentsError } from "./errors.js";
import { generateHome } from "./generate-home.js";
import { machineInfo, renderMarkdown, renderTable, type BenchReport } from "./report.js";
import { nowMs } from "./stats.js";

/** Every case, in the order they run. */
export const CASES: readonly BenchCase[] = [appendCase, listCase, versusCodexCase, reindexCase, loadCase, memoryCase, viewerCase, postgresCase, storageCase, compressedCase, searchCase];

/** Parsed command line of `run.js`. */
export interface RunArgs {
  quick: boolean;
  only: string[] | undefined;
  outDir: string;
  keep: boolean;
}

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Parses `run.js` arguments. @throws BenchArgumentsError */
export function parseArgs(argv: readonly string[]): RunArgs {
  const args: RunArgs = { quick: false, only: undefined, outDir: join(REPO_ROOT, "bench", "results"), keep: false };
  for (const arg of argv) {
    if (arg === "--quick") args.quick = true;
    else if (arg === "--keep") args.keep = true;
    else if (arg.startsWith("--only=")) {
      args.only = arg.slice(7).split(",").filter(Boolean);
      const unknown = args.only.filter((id) => !CASES.some((c) => c.id === id));
      if (unknown.length) throw new BenchArgumentsError(arg, `case ids from ${CASES.map((c) => c.id).join(",")}`);
    } else if (arg.startsWith("--out=")) args.outDir = arg.slice(6);
    else throw new BenchArgumentsError(arg, "--quick, --only=<ids>, --out=<dir> or --keep");
  }
  return args;
}

/** Runs the selected cases and writes the report; resolves with it. */
export async function runBench(args: RunArgs): Promise<BenchReport> {
  const started = new Date();
  const t0 = nowMs();
  const sizes = args.quick ? QUICK_SIZES : FULL_SIZES;
  const workDir = mkdtempSync(join(tmpdir(), "skein-bench-"));
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  let shared: SharedHome | undefined;
  const ctx: BenchContext = {
    sizes,
    quick: args.quick,
    workDir,
    repoRoot: REPO_ROOT,
    log,
    home: () => {
      if (!shared) {
        const path = join(workDir, "home");
        log(`  generating a home of ${sizes.homeThreads} threads`);
        const generated = generateHome({ home: path, threads: sizes.homeThreads, seed: 42 });
        shared = { path, files: generated.threads.map((t) => t.path), bytes: generated.bytes };
        log(`  ${generated.threads.length} rollouts, ${(generated.bytes / 1e6).toFixed(0)} MB`);
      }
      return shared;
    },
  };
  const figures: Figure[] = [];
  const errors: BenchReport["errors"] = [];
  try {
    for (const benchCase of CASES) {
      if (args.only && !args.only.includes(benchCase.id)) continue;
      log(`case ${benchCase.id}: ${benchCase.title}`);
      const start = nowMs();
      try {
        figures.push(...(await benchCase.run(ctx)));
      } catch (error) {
        errors.push({ case: benchCase.id, message: error instanceof Error ? error.message : String(error) });
        log(`  FAILED: ${String(error)}`);
      }
      log(`  ${((nowMs() - start) / 1000).toFixed(1)} s`);
    }
  } finally {
    if (args.keep) log(`work dir kept: ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
  const report: BenchReport = { startedAt: started.toISOString(), durationMs: nowMs() - t0, quick: args.quick, machine: machineInfo(), figures, errors };
  mkdirSync(args.outDir, { recursive: true });
  const json = JSON.stringify(report, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n";
  const md = renderMarkdown(report);
  writeFileSync(join(args.outDir, "latest.json"), json);
  writeFileSync(join(args.outDir, "latest.md"), md);
  if (!args.quick && !args.only) {
    writeFileSync(join(args.outDir, "full.json"), json);
    writeFileSync(join(args.outDir, "full.md"), md);
  }
  return report;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const report = await runBench(parseArgs(process.argv.slice(2)));
    process.stdout.write(renderTable(report) + "\n");
    process.exitCode = report.errors.length ? 1 : 0;
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
