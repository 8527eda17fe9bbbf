import type { ReindexProgress, ReindexReport } from "@skein/thread-store";
import type { CommandContext } from "../context.js";
import { withStore } from "../open-store.js";
import { assertLocalStore } from "../store-location.js";

/** Options of `skein reindex`. */
export interface ReindexCommandOptions {
  full?: boolean;
}

/**
 * `skein reindex`: reconciles the index with the rollout files (only changed files are read
 * again; `--full` reads every file). A progress bar is drawn on a terminal only; the command
 * always ends with the one-line summary of {@link formatReindexSummary}.
 */
export async function reindexCommand(ctx: CommandContext, options: ReindexCommandOptions): Promise<void> {
  assertLocalStore(ctx.store, "reindex", "a postgres store is its own index, there is nothing to rebuild");
  const progress = ctx.out.interactiveStderr ? await createProgressBar() : undefined;
  let report: ReindexReport;
  try {
    report = await withStore(
      ctx.home,
      (store) => store.reindex({ full: options.full ?? false, onProgress: progress?.update }),
      { catchUp: "none" },
    );
  } finally {
    progress?.stop();
  }
  for (const problem of report.problems) {
    ctx.out.error(ctx.out.colors.yellow(`unreadable: ${problem.path}: ${problem.reason}`));
  }
  ctx.out.line(formatReindexSummary(report));
}

/** The summary line: `indexed N threads (M new, K changed, E unreadable) in T s[, W extraction workers]`. */
export function formatReindexSummary(report: ReindexReport): string {
  const seconds = (report.durationMs / 1000).toFixed(2);
  const workers = report.extractionWorkers ?? 0;
  const helpers = workers > 0 ? `, ${workers} extraction worker${workers === 1 ? "" : "s"}` : "";
  return `indexed ${report.scanned} threads (${report.added} new, ${report.changed} changed, ${report.unreadable} unreadable) in ${seconds} s${helpers}`;
}

interface ProgressHandle {
  update: (progress: ReindexProgress) => void;
  stop: () => void;
}

/** A cli-progress bar on stderr; imported only when there is a terminal to draw it on. */
async function createProgressBar(): Promise<ProgressHandle> {
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: "indexing [{bar}] {value}/{total} files", hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (progress) => {
      const total = Math.max(progress.total, progress.scanned);
      if (!started) {
        bar.start(total, progress.scanned);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(progress.scanned);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
