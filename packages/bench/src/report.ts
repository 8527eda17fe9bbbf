import { cpus, totalmem, release } from "node:os";
import type { Figure } from "./bench-context.js";

/** The machine a run was measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
}

/** Everything `run.js` writes to `bench/results/latest.json`. */
export interface BenchReport {
  startedAt: string;
  durationMs: number;
  quick: boolean;
  machine: MachineInfo;
  figures: Figure[];
  errors: { case: string; message: string }[];
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
  };
}

function num(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "-";
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function status(f: Figure): string {
  if (f.met === undefined) return "";
  return f.met ? "met" : "MISSED";
}

const HEADER = ["case", "figure", "median", "p95", "unit", "runs", "target", "status", "note"] as const;

function rows(report: BenchReport): string[][] {
  return report.figures.map((f) => [
    f.case,
    f.name,
    num(f.value),
    num(f.stats?.p95),
    f.unit,
    f.stats ? String(f.stats.runs) : "",
    f.target ?? "",
    status(f),
    f.note ?? "",
  ]);
}

/** A markdown table of every figure, headed by the machine. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `# Skein benchmarks${report.quick ? " (--quick)" : ""}`,
    "",
    `${report.startedAt}, ${(report.durationMs / 1000).toFixed(0)} s. Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}.`,
    "Medians (p95 next to them); ratios are computed from medians measured in the same run.",
    "",
    `| ${HEADER.join(" | ")} |`,
    `| ${HEADER.map(() => "---").join(" | ")} |`,
    ...rows(report).map((r) => `| ${r.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`),
  ];
  for (const e of report.errors) lines.push("", `**${e.case} failed**: ${e.message}`);
  return lines.join("\n") + "\n";
}

/** A plain-text table for the terminal. */
export function renderTable(report: BenchReport): string {
  const all = [[...HEADER], ...rows(report)].map((r) => r.slice(0, 8));
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((cell, i) => (i >= 2 && i <= 5 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}
