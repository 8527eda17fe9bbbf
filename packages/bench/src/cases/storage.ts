import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { atLeast, atMost, type BenchCase, type BenchContext, type Figure } from "../bench-context.js";
import { runProcess, runSkein, skeinBin, type ProcessRun } from "../internal/process.js";
import { nowMs, summarize } from "../stats.js";

// Storage care (issue 18, docs/storage-care.md): `skein du` on the shared home as a process;
// `skein compress` against the `zstd` command at the same level (3) on copies of the same
// files, in the same run; the bytes compression saves.

const C = "9 storage";
const ZSTD = "/usr/bin/zstd";

/** Copies the first files of the shared home (up to `maxBytes`) into a fresh home under `dir`. */
function copySample(ctx: BenchContext, dir: string, maxBytes: number): { home: string; files: string[]; bytes: number } {
  const shared = ctx.home();
  const home = join(ctx.workDir, dir);
  const files: string[] = [];
  let bytes = 0;
  for (const file of shared.files) {
    const size = statSync(file).size;
    if (bytes + size > maxBytes && files.length > 0) break;
    const target = join(home, relative(shared.path, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
    files.push(target);
    bytes += size;
  }
  return { home, files, bytes };
}

const TIME = "/usr/bin/time";

/** Runs a command under `/usr/bin/time`: wall ms plus the CPU seconds (user + system) it used, which a loaded machine inflates less than wall time. */
async function timed(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<ProcessRun & { cpuS: number }> {
  const run = await runProcess(TIME, ["-f", "CPU_S=%U %S", command, ...args], env ? { env } : {});
  const m = /CPU_S=([\d.]+) ([\d.]+)/.exec(run.stderr);
  return { ...run, cpuS: m ? Number(m[1]) + Number(m[2]) : Number.NaN };
}

/** `skein <args>` as {@link runSkein} runs it, under {@link timed}. */
function timedSkein(repoRoot: string, args: readonly string[]): Promise<ProcessRun & { cpuS: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env["SKEIN_HOME"];
  delete env["CODEX_HOME"];
  return timed(process.execPath, [skeinBin(repoRoot), ...args], env);
}

export const storageCase: BenchCase = {
  id: "storage",
  title: "Storage care: du, compress vs zstd",
  async run(ctx: BenchContext): Promise<Figure[]> {
    const shared = ctx.home();
    const n = shared.files.length;
    await runSkein(ctx.repoRoot, ["reindex", "--home", shared.path]); // indexed, as a user's home is
    const du: number[] = [];
    for (let run = 0; run < ctx.sizes.processRuns; run++) du.push((await runSkein(ctx.repoRoot, ["du", "--json", "--home", shared.path])).ms);
    const list: number[] = [];
    for (let run = 0; run < ctx.sizes.processRuns; run++) list.push((await runSkein(ctx.repoRoot, ["list", "--limit", "50", "--home", shared.path])).ms);
    const duS = summarize(du);
    const listS = summarize(list);
    const figures: Figure[] = [
      atMost({ case: C, name: `skein du process, indexed home of ${n}`, unit: "ms", value: duS.median, stats: duS }, 200),
      { case: C, name: "skein list process on the same home (same load, for scale)", unit: "ms", value: listS.median, stats: listS, note: `du / list: ${(duS.median / listS.median).toFixed(2)}x` },
    ];

    const sampleBytes = ctx.quick ? 8e6 : 100e6;
    const ours = copySample(ctx, "compress-skein", sampleBytes);
    const theirs = copySample(ctx, "compress-zstd", sampleBytes);
    await runSkein(ctx.repoRoot, ["reindex", "--home", ours.home]);
    const mb = ours.bytes / 1e6;
    // Skein's fixed cost on this home (a process that starts, opens the store, lists, finds nothing to do), for scale.
    const idle = await timedSkein(ctx.repoRoot, ["compress", "--older-than", "100000d", "--json", "--home", ours.home]);
    // The same files, the same level, one after the other in this run: zstd first (it leaves the
    // page cache as warm for skein as it found it: each has its own copy).
    let zstdMs: number | undefined;
    let zstdCpuS = Number.NaN;
    let zstdNote = "";
    try {
      const t0 = nowMs();
      zstdCpuS = (await timed(ZSTD, ["-3", "-q", "-f", "--rm", ...theirs.files])).cpuS;
      zstdMs = nowMs() - t0;
      const zstdBytes = theirs.files.reduce((sum, f) => sum + statSync(`${f}.zst`).size, 0);
      zstdNote = `${zstdMs.toFixed(0)} ms, ${zstdCpuS.toFixed(2)} s CPU; ${(zstdBytes / 1e6).toFixed(1)} MB out; no fsync`;
    } catch (error) {
      zstdNote = `skipped: ${ZSTD} or ${TIME} unavailable (apt-get install zstd time): ${(error as Error).message}`;
    }
    const start = nowMs();
    const out = await timedSkein(ctx.repoRoot, ["compress", "--older-than", "0s", "--json", "--home", ours.home]);
    const skeinMs = nowMs() - start;
    const report = JSON.parse(out.stdout) as { savedBytes: number; bytesBefore: number; bytesAfter: number; threads: unknown[] };
    figures.push(
      {
        case: C, name: `skein compress, ${ours.files.length} rollouts (${mb.toFixed(0)} MB), one process`, unit: "MB/s", value: (mb / skeinMs) * 1000,
        note: `${skeinMs.toFixed(0)} ms, ${out.cpuS.toFixed(2)} s CPU, incl. start-up (a run with nothing to do: ${idle.ms.toFixed(0)} ms, ${idle.cpuS.toFixed(2)} s CPU), locks, fsyncs, index`,
      },
      { case: C, name: "bytes saved by skein compress on those files", unit: "MB", value: report.savedBytes / 1e6, note: `${(report.bytesBefore / 1e6).toFixed(1)} MB -> ${(report.bytesAfter / 1e6).toFixed(1)} MB (${(report.bytesBefore / Math.max(1, report.bytesAfter)).toFixed(2)}x)` },
      { case: C, name: "zstd -3 command on the same files", unit: "MB/s", value: zstdMs === undefined ? Number.NaN : (mb / zstdMs) * 1000, note: zstdNote },
    );
    if (zstdMs !== undefined) {
      figures.push(
        atLeast({ case: C, name: "compress throughput: skein / zstd command", unit: "x", value: zstdMs / skeinMs }, 0.5),
        { case: C, name: "compress CPU time: zstd command / skein (load-independent view)", unit: "x", value: zstdCpuS / out.cpuS, note: "CPU seconds, user + system, of each process" },
      );
    }
    return figures;
  },
};
