import type { CodexIndexReport, CodexRepairReport } from "@skein/thread-store";
import type { CommandContext } from "../context.js";

// The Codex part of `skein doctor`: Codex's own index (state_5.sqlite) compared with the home,
// each disagreement with what it does to a Codex user, and `--fix` (docs/codex-home-sync.md).

/** What doctor reports about Codex's index (`codex` in `--json`). */
export interface CodexDoctorSection {
  report: CodexIndexReport;
  /** Present with `--fix`. */
  repair?: CodexRepairReport;
  /** Problems left after the check (and the repair, with `--fix`). */
  remaining: number;
}

/** Checks Codex's index, and repairs it with `fix` (a backup of Codex's database first). */
export async function checkCodexSection(home: string, fix: boolean): Promise<CodexDoctorSection> {
  const { checkCodexIndex, repairCodexIndex } = await import("@skein/thread-store");
  const report = await checkCodexIndex(home);
  if (!fix || report.problems.length === 0 || report.unknownSchema) return { report, remaining: report.problems.length };
  const repair = await repairCodexIndex(home);
  const after = await checkCodexIndex(home);
  return { report, repair, remaining: after.problems.length };
}

export function printCodexSection(ctx: CommandContext, section: CodexDoctorSection): void {
  const { colors } = ctx.out;
  const { report, repair } = section;
  if (!report.present) return;
  ctx.out.line(`Codex's index ${report.dbPath}: ${report.rows} threads${report.notIndexed ? `, ${report.notIndexed} rollout files Codex has not indexed yet (it adds them on its next scan)` : ""}`);
  if (report.unknownSchema) {
    ctx.out.line(`${colors.dim("i")} ${colors.bold("codex_unknown_schema")}: ${report.unknownSchema}`);
    ctx.out.line(`    Skein leaves this database untouched (no sync, no repair); Codex's view of Skein's changes may lag until Codex rescans`);
    return;
  }
  if (report.movedFrom) {
    ctx.out.line(`${colors.red("✗")} ${colors.bold("codex_home_moved")}: rows point into ${report.movedFrom}; this home was moved or restored there`);
    ctx.out.line(`    effect: Codex lists nothing from those rows and cannot open them; fix: \`skein doctor --fix\` re-points them here`);
  }
  for (const problem of report.problems) {
    ctx.out.line(`${colors.red("✗")} ${colors.bold(`codex_${problem.kind.replaceAll("-", "_")}`)} ${problem.threadId}: ${problem.detail}`);
    ctx.out.line(`    effect: ${problem.effect}`);
    if (!repair) ctx.out.line("    fix: `skein doctor --fix`");
  }
  if (repair) {
    const f = repair.fixed;
    ctx.out.line(
      `${colors.green("✓")} repaired Codex's index (backup: ${repair.backupPath}): ` +
        `${f["stale-path"]} re-pointed, ${f["archived-flag-wrong"]} archived flags set, ${f["row-without-file"]} rows of deleted files removed, ` +
        `${f["name-lost"]} names restored${repair.skipped ? `, ${repair.skipped} skipped (changed by Codex meanwhile; run again)` : ""}`,
    );
  } else if (report.problems.length === 0) {
    ctx.out.line(colors.green("✓ Codex's index agrees with the home"));
  }
}
