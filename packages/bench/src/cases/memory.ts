import { atMost, type BenchCase, type Figure } from "../bench-context.js";
import { removeSkeinIndex } from "../internal/home-files.js";
import { runSkein } from "../internal/process.js";
import { summarize } from "../stats.js";

/** Case 6: peak RSS of the `skein list` and `skein reindex` processes on the shared home. */
export const memoryCase: BenchCase = {
  id: "memory",
  title: "Memory: peak RSS of skein list and skein reindex",
  async run(ctx) {
    const { path: home, files } = ctx.home();
    const reindex: number[] = [];
    const list: number[] = [];
    for (let run = 0; run < Math.min(3, ctx.sizes.runs); run++) {
      removeSkeinIndex(home);
      reindex.push((await runSkein(ctx.repoRoot, ["reindex", "--home", home], true)).peakRssMb ?? Number.NaN);
      list.push((await runSkein(ctx.repoRoot, ["list", "--home", home, "--limit", "50"], true)).peakRssMb ?? Number.NaN);
    }
    const r = summarize(reindex);
    const l = summarize(list);
    const c = "6 memory";
    const figures: Figure[] = [
      { case: c, name: `skein list peak RSS, ${files.length} threads`, unit: "MB", value: l.median, stats: l },
      { case: c, name: `skein reindex (cold) peak RSS, ${files.length} threads`, unit: "MB", value: r.median, stats: r },
    ];
    // No target in the issue; 200 MB is the budget case 5 sets for a process, shown for scale.
    return figures.map((f) => atMost(f, 200));
  },
};
