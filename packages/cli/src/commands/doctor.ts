import type { HomeCheckReport, HomeProblem, LocalThreadStore } from "@skein/thread-store";
import type { CommandContext } from "../context.js";
import { UnhealthyHomeError } from "../errors.js";
import { withStore } from "../open-store.js";
import { assertLocalStore } from "../store-location.js";
import { checkCodexSection, printCodexSection } from "./doctor-codex.js";

/** Options of `skein doctor`. */
export interface DoctorOptions {
  json?: boolean;
  /** Repair Codex's index (after a backup of its database). */
  fix?: boolean;
}

/**
 * `skein doctor`: checks index vs files parity, torn tails, unreadable lines, writer locks and
 * DB health without repairing anything (the store opens with no catch-up), and prints each
 * problem with its fix. In a Codex home it also compares Codex's own index with the files
 * (`doctor-codex.ts`); `--fix` repairs that index. Exit 1 when something is wrong.
 */
export async function doctorCommand(ctx: CommandContext, options: DoctorOptions): Promise<void> {
  assertLocalStore(ctx.store, "doctor", "it checks rollout files, torn tails and the SQLite index, which a postgres store does not have");
  const report = await withStore(ctx.home, async (store) => withLeftovers(store, withRecovery(store, await store.checkHome()), options.fix ?? false, ctx), { catchUp: "none" });
  const codex = await checkCodexSection(ctx.home, options.fix ?? false);
  if (options.json) {
    ctx.out.line(JSON.stringify({ home: ctx.home, ...report, ok: report.ok && codex.remaining === 0, codex }, null, 2));
  } else {
    printReport(ctx, report);
    printCodexSection(ctx, codex);
  }
  if (!report.ok) throw new UnhealthyHomeError(ctx.home, countProblems(report) + codex.remaining);
  if (codex.remaining > 0) throw new UnhealthyHomeError(ctx.home, codex.remaining);
}

/**
 * Opening the store moves a corrupt index aside and rebuilds it before `checkHome` can see it,
 * so the check alone would call the home healthy. Doctor reports that recovery as a problem
 * (the user's index was broken, and a copy of it now sits next to the new one).
 */
function withRecovery(store: LocalThreadStore, report: HomeCheckReport): HomeCheckReport {
  if (!store.recovered) return report;
  const problem: HomeProblem = {
    kind: "db_recovered",
    path: store.recovered.movedTo,
    detail: `the index ${store.stateDbPath} could not be used (${store.recovered.reason}); it was moved to ${store.recovered.movedTo} and rebuilt from the rollout files`,
    fix: `nothing to repair: the index was rebuilt from the rollout files, which are intact; keep ${store.recovered.movedTo} to inspect it or delete it (if this repeats, check the disk)`,
  };
  return { ...report, ok: false, problems: [problem, ...report.problems] };
}

/**
 * Temp files of a compress or decompress that was killed (docs/storage-care.md, "Leftovers"):
 * reported, or removed with `--fix` (only those no live writer can still be writing).
 */
function withLeftovers(store: LocalThreadStore, report: HomeCheckReport, fix: boolean, ctx: CommandContext): HomeCheckReport {
  if (fix) {
    const removed = store.storage().removeStaleTemps();
    if (removed.length > 0) ctx.out.error(`removed ${removed.length} temp file(s) left by an interrupted compress`);
    return report;
  }
  const problems: HomeProblem[] = store.storage().staleTemps().map((temp) => ({
    kind: "stale_temp_file",
    ...(temp.threadId && { threadId: temp.threadId as HomeProblem["threadId"] }),
    path: temp.path,
    detail: `${temp.bytes} bytes left by a compress or decompress that was interrupted; the thread's own file is intact`,
    fix: "skein doctor --fix (or the next skein compress) removes it",
  }));
  return problems.length === 0 ? report : { ...report, ok: false, problems: [...report.problems, ...problems] };
}

/** Problems that make the home unhealthy (a live lock held by a running process does not). */
function countProblems(report: HomeCheckReport): number {
  return report.problems.filter((problem) => problem.kind !== "live_lock").length || 1;
}

function printReport(ctx: CommandContext, report: HomeCheckReport): void {
  const { colors } = ctx.out;
  const { counts } = report;
  ctx.out.line(
    `${ctx.home}: ${counts.files} rollout files (${counts.activeFiles} active, ${counts.archivedFiles} archived), ` +
      `${counts.indexedThreads} indexed threads, ${counts.locks} writer locks`,
  );
  for (const problem of report.problems) {
    const info = problem.kind === "live_lock";
    const mark = info ? colors.dim("i") : colors.red("✗");
    const where = problem.path ?? problem.threadId;
    ctx.out.line(`${mark} ${colors.bold(problem.kind)}${where ? ` ${where}` : ""}: ${problem.detail}`);
    ctx.out.line(`    fix: ${problem.fix}`);
  }
  if (report.ok) ctx.out.line(colors.green("✓ no problems found"));
}
