// Long mode (`pnpm torture`): the crash, concurrency and fuzz campaigns at full size, printing
// their figures. Exit 0 when every guarantee held, 1 at the first violation.
// Sizes can be changed with SKEIN_TORTURE_KILLS, SKEIN_TORTURE_CONCURRENCY_MS, SKEIN_TORTURE_FUZZ_RUNS.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConcurrencyCampaign } from "./concurrency-campaign.js";
import { runCrashCampaign } from "./crash-campaign.js";
import { fuzzCursorDecoder, fuzzRolloutReader } from "./fuzz.js";
import { findExamplesDir, loadSeedLines } from "./fuzz-seeds.js";

const kills = Number(process.env["SKEIN_TORTURE_KILLS"] ?? 2_000);
const concurrencyMs = Number(process.env["SKEIN_TORTURE_CONCURRENCY_MS"] ?? 20_000);
const fuzzRuns = Number(process.env["SKEIN_TORTURE_FUZZ_RUNS"] ?? 1_000_000);
const root = mkdtempSync(join(tmpdir(), "skein-torture-"));
const print = (line: string) => process.stdout.write(`${line}\n`);

try {
  print(`skein torture, long mode (work dir ${root})`);
  let lastShown = 0;
  const crash = await runCrashCampaign({
    home: join(root, "crash", "home"),
    workDir: join(root, "crash", "acks"),
    kills,
    onProgress: (r) => {
      if (r.kills - lastShown >= 100) {
        lastShown = r.kills;
        print(`  crash: ${r.kills}/${kills} kills, ${r.itemsChecked} item checks, ${Math.round(r.durationMs / 1000)} s`);
      }
    },
  });
  print(`crash: ${crash.kills} SIGKILLs survived (${crash.earlyKills} during start-up) over ${crash.threads} threads; ` +
    `${crash.itemsAcknowledged} acknowledged items all present in order exactly once (${crash.itemsChecked} item checks); ` +
    `${crash.indexChecks} index-vs-files comparisons (${crash.indexChecksSkipped} skipped); torn tails: ${crash.tornInjected} injected + ${crash.tornNatural} from kills, ` +
    `${crash.tornKeptAside} found in .torn sidecars; 0-byte rollouts revived: ${crash.emptyFilesRevived}; known issues hit: ` +
    `${crash.falseCorruptionRetries} false FTS5 corruption reports, ${crash.dbsMovedAside} index DBs moved aside; ${Math.round(crash.durationMs / 1000)} s`);

  const conc = await runConcurrencyCampaign({ home: join(root, "concurrency", "home"), workDir: join(root, "concurrency", "acks"), processes: 8, durationMs: concurrencyMs });
  print(`concurrency: ${conc.processes} processes × ${concurrencyMs / 1000} s: ${conc.totalOps} operations (${conc.opsPerSecond} ops/s; ` +
    `${Object.entries(conc.ops).map(([k, v]) => `${k} ${v}`).join(", ")}); 0 errors reached a caller; ${conc.threads} threads, ` +
    `${conc.itemsChecked} acknowledged items matched exactly; slowest operation ${conc.latencyMaxMs} ms; ` +
    `${conc.listingMoves} own threads skipped by a concurrent listing because their sort value changed meanwhile`);

  const reader = await fuzzRolloutReader({ runs: fuzzRuns, workDir: root, seedLines: loadSeedLines(findExamplesDir()) });
  print(`fuzz reader: ${reader.inputs} inputs (${reader.rejected} reported bad), slowest case ${reader.maxCaseMs} ms, ${Math.round(reader.durationMs / 1000)} s, seed ${reader.seed}`);
  const cursor = fuzzCursorDecoder({ runs: fuzzRuns });
  print(`fuzz cursor: ${cursor.inputs} inputs (${cursor.rejected} typed rejections), slowest case ${cursor.maxCaseMs} ms, ${Math.round(cursor.durationMs / 1000)} s, seed ${cursor.seed}`);
  print("all guarantees held");
  rmSync(root, { recursive: true, force: true });
} catch (error) {
  print(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  print(`work dir kept for inspection: ${root}`);
  process.exit(1);
}
