import { appendFileSync, cpSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { LocalThreadStore } from "@skein/thread-store";
import { atLeast, type BenchCase, type BenchContext, type Figure } from "../bench-context.js";
import { CodexAppServer, findCodexBinary, offlineUnavailableReason, writeOfflineCodexConfig } from "../codex-app-server.js";
import { removeSkeinIndex } from "../internal/home-files.js";
import { runSkein } from "../internal/process.js";
import { nowMs, summarize, type Stats } from "../stats.js";

// Case 9: content search (docs/search.md) on the shared home, against Codex 0.169's app-server
// `thread/search` (a ripgrep scan of the rollouts per call) measured in the same run.

const C = "9 search";
/** Planted into a few threads (the synthetic vocabulary has no rare word). */
const RARE = "quetzalcoatl";
const RARE_THREADS = 10;
const TERMS = [
  ["rare", RARE],
  ["common", "change"],
  ["absent", "zyxwvutsrq"],
] as const;
const ALL_SOURCE_KINDS = ["cli", "vscode", "exec", "appServer", "subAgent", "subAgentReview", "subAgentCompact", "subAgentThreadSpawn", "subAgentOther", "unknown"];

/** Appends a user message naming {@link RARE} to a few rollouts (once per home). */
function plantRareTerm(files: readonly string[]): void {
  const step = Math.max(1, Math.floor(files.length / RARE_THREADS));
  for (let i = 0; i < files.length && i / step < RARE_THREADS; i += step) {
    const line = { timestamp: new Date().toISOString(), type: "event_msg", payload: { type: "user_message", message: `what does ${RARE} have to do with the cache?`, images: [] } };
    appendFileSync(files[i]!, `${JSON.stringify(line)}\n`);
  }
}

interface CodexSearch {
  warm: Map<string, Stats>;
  fresh: Map<string, Stats>;
  hits: Map<string, number>;
  skipped?: string;
}

async function codexSearch(ctx: BenchContext, home: string): Promise<CodexSearch> {
  const out: CodexSearch = { warm: new Map(), fresh: new Map(), hits: new Map() };
  const binary = findCodexBinary(ctx.repoRoot);
  if (!binary) return { ...out, skipped: "the Codex binary is not installed (packages/interop devDependency)" };
  const offline = offlineUnavailableReason();
  if (offline) return { ...out, skipped: `Codex is only run with no network, and ${offline}` };
  const codexHome = join(ctx.workDir, "codex-search-home");
  const workDir = join(ctx.workDir, "codex-search-work");
  mkdirSync(workDir, { recursive: true });
  rmSync(codexHome, { recursive: true, force: true });
  cpSync(home, codexHome, { recursive: true });
  removeSkeinIndex(codexHome);
  writeOfflineCodexConfig(codexHome);
  const search = (server: CodexAppServer, term: string) =>
    server.request("thread/search", { searchTerm: term, limit: 50, sourceKinds: ALL_SOURCE_KINDS }) as Promise<{ data?: unknown[] }>;
  try {
    ctx.log("  codex first open (backfill) for search");
    const first = await CodexAppServer.start(binary, codexHome, workDir);
    try {
      await first.firstPage();
      for (const [label, term] of TERMS) {
        const runs: number[] = [];
        for (let i = 0; i < ctx.sizes.processRuns; i++) {
          const t = nowMs();
          const result = await search(first, term);
          runs.push(nowMs() - t);
          out.hits.set(label, result.data?.length ?? 0);
        }
        out.warm.set(label, summarize(runs));
      }
    } finally {
      await first.close();
    }
    for (const [label, term] of TERMS) {
      const runs: number[] = [];
      for (let i = 0; i < Math.max(2, Math.floor(ctx.sizes.processRuns / 2)); i++) {
        const t = nowMs();
        const server = await CodexAppServer.start(binary, codexHome, workDir);
        try {
          await search(server, term);
          runs.push(nowMs() - t);
        } finally {
          await server.close();
        }
      }
      out.fresh.set(label, summarize(runs));
    }
  } finally {
    rmSync(codexHome, { recursive: true, force: true });
  }
  return out;
}

/** Case 9: content search in-process and as a process, index size and build time, vs Codex. */
export const searchCase: BenchCase = {
  id: "search",
  title: "Content search vs Codex thread/search on the same home",
  async run(ctx) {
    const shared = ctx.home();
    const home = shared.path;
    const n = shared.files.length;
    plantRareTerm(shared.files);
    removeSkeinIndex(home);
    const start = nowMs();
    const opened = await LocalThreadStore.open({ home });
    const coldMs = nowMs() - start;
    await opened.close();
    const dbBytes = statSync(join(home, "skein_state_1.sqlite")).size + (statSync(join(home, "skein_state_1.sqlite-wal"), { throwIfNoEntry: false })?.size ?? 0);
    const figures: Figure[] = [
      { case: C, name: `cold open + index build (messages included), ${n} rollouts`, unit: "ms", value: coldMs },
      { case: C, name: "index size (whole SQLite file)", unit: "MB", value: dbBytes / 1e6, note: `${((dbBytes / shared.bytes) * 100).toFixed(1)} % of ${(shared.bytes / 1e6).toFixed(0)} MB of rollouts` },
    ];
    const store = await LocalThreadStore.open({ home, catchUp: "none" });
    const inProcess = new Map<string, Stats>();
    const hits = new Map<string, number>();
    try {
      for (const [label, term] of TERMS) {
        const runs: number[] = [];
        for (let i = 0; i < Math.max(20, ctx.sizes.listRuns / 4); i++) {
          const t = nowMs();
          const page = await store.searchThreads({ searchTerm: term, pageSize: 50 });
          runs.push(nowMs() - t);
          hits.set(label, page.items.length);
        }
        inProcess.set(label, summarize(runs));
      }
    } finally {
      await store.close();
    }
    const processes = new Map<string, Stats>();
    for (const [label, term] of TERMS) {
      const runs: number[] = [];
      for (let i = 0; i < ctx.sizes.processRuns; i++) runs.push((await runSkein(ctx.repoRoot, ["search", term, "--home", home, "--json", "--limit", "50"])).ms);
      processes.set(label, summarize(runs));
    }
    for (const [label, term] of TERMS) {
      const s = inProcess.get(label)!;
      const p = processes.get(label)!;
      figures.push(
        { case: C, name: `skein in-process, ${label} term "${term}" (${hits.get(label)} threads on the page)`, unit: "ms", value: s.median, stats: s },
        { case: C, name: `skein search process, ${label} term`, unit: "ms", value: p.median, stats: p },
      );
    }
    const codex = await codexSearch(ctx, home);
    if (codex.skipped) {
      figures.push({ case: C, name: "Codex comparison", unit: "x", value: Number.NaN, note: `skipped: ${codex.skipped}` });
      return figures;
    }
    for (const [label] of TERMS) {
      const warm = codex.warm.get(label)!;
      const fresh = codex.fresh.get(label)!;
      figures.push(
        { case: C, name: `codex thread/search warm, ${label} term (${codex.hits.get(label)} threads)`, unit: "ms", value: warm.median, stats: warm },
        { case: C, name: `codex fresh app-server + thread/search, ${label} term`, unit: "ms", value: fresh.median, stats: fresh },
        atLeast({ case: C, name: `${label}: Codex warm / Skein in-process`, unit: "x", value: warm.median / inProcess.get(label)!.median }, 20),
        atLeast({ case: C, name: `${label}: Codex fresh + call / skein search process`, unit: "x", value: fresh.median / processes.get(label)!.median }, 1),
      );
    }
    return figures;
  },
};
