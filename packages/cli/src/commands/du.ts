import { existsSync } from "node:fs";
import type { DiskUsageReport, UsageGroup, UsageTally } from "@skein/thread-store";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { formatBytes } from "../format/format-bytes.js";
import { truncate } from "../format/truncate.js";
import { withStore } from "../open-store.js";
import { assertLocalStore } from "../store-location.js";

/** Options of `skein du`. */
export interface DuOptions {
  deep?: boolean;
  largest?: string;
  json?: boolean;
}

/** Groups shown per breakdown in the table (all are in `--json`). */
const GROUP_ROWS = 12;

/** `skein du`: where the home's bytes are (docs/storage-care.md). */
export async function duCommand(ctx: CommandContext, options: DuOptions): Promise<void> {
  assertLocalStore(ctx.store, "du", "it measures the files of a home");
  const largest = options.largest === undefined ? 10 : Number(options.largest);
  if (!Number.isInteger(largest) || largest < 0 || largest > 1000) throw new UsageError("--largest expects a whole number from 0 to 1000");
  const deep = options.deep ?? false;
  // Without --deep, a home whose index needs no catch-up is read without opening the store (docs/cli-startup.md).
  const report =
    (deep ? undefined : await diskUsageReadOnly(ctx.home, largest)) ??
    (await withStore(ctx.home, (store) => store.storage().diskUsage({ deep, largest })));
  if (options.json) {
    ctx.out.line(JSON.stringify(report, null, 2));
    return;
  }
  ctx.out.line(renderDiskUsage(report, ctx.out.width));
}

/** The report from the home's index opened read-only, or undefined when the store must answer. */
async function diskUsageReadOnly(home: string, largest: number): Promise<DiskUsageReport | undefined> {
  if (!existsSync(home)) return undefined;
  const { ReadOnlyHome } = await import("@skein/thread-store/read-only");
  const opened = await ReadOnlyHome.open(home);
  if (!opened) return undefined;
  try {
    return opened.diskUsage({ largest });
  } finally {
    opened.close();
  }
}

/** The human report: totals, each breakdown, the largest threads, what compression would save. */
export function renderDiskUsage(report: DiskUsageReport, width: number): string {
  const lines: string[] = [];
  const tally = (t: UsageTally) => `${formatBytes(t.bytes).padStart(8)}  ${String(t.threads).padStart(6)} threads`;
  lines.push(`${report.home}`);
  lines.push(`  total      ${tally(report.total)}`);
  lines.push(`  active     ${tally(report.active)}`);
  lines.push(`  archived   ${tally(report.archived)}`);
  lines.push(`  plain      ${tally(report.plain)}`);
  lines.push(`  compressed ${tally(report.compressed)}`);
  lines.push(`  trash      ${tally(report.trash)}`);
  lines.push(`  indexes    ${formatBytes(report.indexes.skein + report.indexes.codex).padStart(8)}  (Skein ${formatBytes(report.indexes.skein)}, Codex ${formatBytes(report.indexes.codex)})`);
  const section = (title: string, groups: UsageGroup[]) => {
    lines.push("", title);
    for (const g of groups.slice(0, GROUP_ROWS)) lines.push(`  ${formatBytes(g.bytes).padStart(8)}  ${String(g.threads).padStart(6)}  ${truncate(printable(g.key), Math.max(20, width - 22))}`);
    if (groups.length > GROUP_ROWS) lines.push(`  … ${groups.length - GROUP_ROWS} more (see --json)`);
  };
  section("by month (created)", report.byMonth);
  section("by project (cwd)", report.byCwd);
  section("by source", report.bySource);
  if (report.largest.length > 0) {
    lines.push("", "largest threads");
    for (const t of report.largest) {
      const flags = [t.archived ? "archived" : "", t.compressed ? "zst" : ""].filter(Boolean).join(",");
      const label = printable(t.label || "(no preview)");
      lines.push(`  ${formatBytes(t.bytes).padStart(8)}  ${t.threadId}  ${flags.padEnd(12)}  ${truncate(label, Math.max(20, width - 70))}`);
    }
  }
  lines.push("");
  const c = report.compression;
  const how = c.basis === "measured" ? "measured with zstd -3" : "estimated at ~4x; --deep measures it";
  lines.push(`compression: ${formatBytes(c.plainBytes)} of plain rollouts; \`skein compress\` would save about ${formatBytes(c.savingsBytes)} (${how})`);
  if (report.deep) {
    const share = report.deep.plainTextBytes > 0 ? ((report.deep.imageBytes / report.deep.plainTextBytes) * 100).toFixed(1) : "0.0";
    lines.push(`inline images: ${formatBytes(report.deep.imageBytes)} of ${formatBytes(report.deep.plainTextBytes)} of history text (${share}%)`);
    for (const u of report.deep.unreadable) lines.push(`unreadable: ${u.path}: ${u.error}`);
  } else {
    lines.push("inline images: run `skein du --deep` to measure them");
  }
  return lines.join("\n");
}

/** Control characters (a hostile cwd or preview) shown as `?`, never sent to the terminal. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}
