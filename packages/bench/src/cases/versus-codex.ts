import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { LocalThreadStore } from "@skein/thread-store";
import { atLeast, atMost, type BenchCase, type BenchContext, type Figure } from "../bench-context.js";
import { CodexAppServer, findCodexBinary, offlineUnavailableReason, writeOfflineCodexConfig } from "../codex-app-server.js";
import { runProcess, runSkein } from "../internal/process.js";
import { removeSkeinIndex } from "../internal/home-files.js";
import { firstPageStats } from "./list.js";
import { nowMs, summarize, type Stats } from "../stats.js";

const C = "3 vs codex";

async function codexFigures(ctx: BenchContext, home: string): Promise<{ firstOpen?: Stats; fresh?: Stats; warm?: Stats; skipped?: string }> {
  const binary = findCodexBinary(ctx.repoRoot);
  if (!binary) return { skipped: "the Codex binary is not installed (packages/interop devDependency)" };
  const offline = offlineUnavailableReason();
  if (offline) return { skipped: `Codex is only run with no network, and ${offline}` };
  const codexHome = join(ctx.workDir, "codex-home");
  const workDir = join(ctx.workDir, "codex-work");
  mkdirSync(workDir, { recursive: true });
  const firstOpen: number[] = [];
  for (let run = 0; run < ctx.sizes.codexFirstOpenRuns; run++) {
    rmSync(codexHome, { recursive: true, force: true });
    cpSync(home, codexHome, { recursive: true });
    removeSkeinIndex(codexHome);
    writeOfflineCodexConfig(codexHome);
    ctx.log(`  codex first open ${run + 1}/${ctx.sizes.codexFirstOpenRuns}`);
    const start = nowMs();
    const server = await CodexAppServer.start(binary, codexHome, workDir);
    try {
      await server.firstPage();
      firstOpen.push(nowMs() - start);
    } finally {
      await server.close();
    }
  }
  const fresh: number[] = [];
  const warm: number[] = [];
  for (let run = 0; run < ctx.sizes.processRuns; run++) {
    const start = nowMs();
    const server = await CodexAppServer.start(binary, codexHome, workDir);
    try {
      await server.firstPage();
      fresh.push(nowMs() - start);
      for (let i = 0; i < 5; i++) {
        const t = nowMs();
        await server.firstPage();
        warm.push(nowMs() - t);
      }
    } finally {
      await server.close();
    }
  }
  rmSync(codexHome, { recursive: true, force: true });
  return { firstOpen: summarize(firstOpen), fresh: summarize(fresh), warm: summarize(warm) };
}

/** Case 3: Skein vs Codex 0.169.0 on the same synthetic home. */
export const versusCodexCase: BenchCase = {
  id: "codex",
  title: "Versus Codex app-server on the same home",
  async run(ctx) {
    const shared = ctx.home();
    const home = shared.path;
    const n = shared.files.length;
    // Skein: first open of a never-indexed home = `skein reindex` + `skein list`, two processes.
    const firstOpen: number[] = [];
    for (let run = 0; run < Math.max(1, Math.min(3, ctx.sizes.runs)); run++) {
      removeSkeinIndex(home);
      const start = nowMs();
      await runSkein(ctx.repoRoot, ["reindex", "--home", home]);
      await runSkein(ctx.repoRoot, ["list", "--home", home, "--limit", "50"]);
      firstOpen.push(nowMs() - start);
    }
    // Interleaved, so the load of a shared machine weighs on each the same: the table, --json, and
    // a bare `node -e 0` (what any Node CLI costs to start and exit).
    const listProcess: number[] = [];
    const listJsonProcess: number[] = [];
    const bareNode: number[] = [];
    for (let run = 0; run < ctx.sizes.processRuns; run++) {
      listProcess.push((await runSkein(ctx.repoRoot, ["list", "--home", home, "--limit", "50"])).ms);
      listJsonProcess.push((await runSkein(ctx.repoRoot, ["list", "--json", "--home", home, "--limit", "50"])).ms);
      bareNode.push((await runProcess(process.execPath, ["-e", "0"])).ms);
    }
    const store = await LocalThreadStore.open({ home, catchUp: "none" });
    let warm: Stats;
    try {
      warm = await firstPageStats(store, ctx.sizes.listRuns);
    } finally {
      await store.close();
    }
    const skeinFirst = summarize(firstOpen);
    const skeinList = summarize(listProcess);
    const skeinListJson = summarize(listJsonProcess);
    const node = summarize(bareNode);
    const figures: Figure[] = [
      { case: C, name: `skein reindex + skein list, never-indexed home of ${n}`, unit: "ms", value: skeinFirst.median, stats: skeinFirst },
      atMost({ case: C, name: `skein list process, indexed home of ${n}`, unit: "ms", value: skeinList.median, stats: skeinList }, 150),
      { case: C, name: `skein list --json process, indexed home of ${n}`, unit: "ms", value: skeinListJson.median, stats: skeinListJson },
      { case: C, name: "node -e 0 process", unit: "ms", value: node.median, stats: node },
      atMost({ case: C, name: "skein list process / node -e 0", unit: "x", value: skeinList.median / node.median }, 1.6),
      atMost({ case: C, name: "skein list --json process / node -e 0", unit: "x", value: skeinListJson.median / node.median }, 1.6),
      atMost({ case: C, name: `warm in-process first page, home of ${n}`, unit: "ms", value: warm.median, stats: warm }, 5),
    ];
    const codex = await codexFigures(ctx, home);
    if (codex.skipped || !codex.firstOpen || !codex.fresh || !codex.warm) {
      figures.push({ case: C, name: "Codex comparison", unit: "x", value: Number.NaN, note: `skipped: ${codex.skipped}` });
      return figures;
    }
    figures.push(
      { case: C, name: `codex app-server first open (backfill + thread/list), ${n}`, unit: "ms", value: codex.firstOpen.median, stats: codex.firstOpen },
      { case: C, name: `codex app-server fresh process, first thread/list, ${n}`, unit: "ms", value: codex.fresh.median, stats: codex.fresh },
      { case: C, name: `codex app-server warm thread/list, ${n}`, unit: "ms", value: codex.warm.median, stats: codex.warm },
      atLeast({ case: C, name: "first open: Codex / Skein", unit: "x", value: codex.firstOpen.median / skeinFirst.median }, 10),
      atLeast({ case: C, name: "list process: Codex fresh / skein list", unit: "x", value: codex.fresh.median / skeinList.median }, 2.5),
      atLeast({ case: C, name: "list process: Codex fresh / skein list --json", unit: "x", value: codex.fresh.median / skeinListJson.median }, 2.5),
      { case: C, name: "warm page: Codex / Skein in-process", unit: "x", value: codex.warm.median / warm.median },
    );
    return figures;
  },
};
