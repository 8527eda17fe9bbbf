import type { RolloutLine, StoredThread } from "@skein/protocol";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { withThreadStore } from "../open-store.js";
import { withPager } from "../pager.js";
import { resolveThread } from "../resolve-thread.js";
import { describeLine } from "../format/describe-line.js";
import { formatAge } from "../format/format-age.js";
import { isoTime, toThreadDetailJson } from "../format/thread-json.js";
import { truncate } from "../format/truncate.js";
import { exportThread, type ExportFormat } from "../format/thread-export.js";

/** Options of `skein show`. */
export interface ShowOptions {
  json?: boolean;
  items?: boolean;
  /** `--no-pager`: commander sets `pager: false`. */
  pager?: boolean;
  /** Print the conversation as a Markdown, HTML or JSON document (as the viewer exports it). */
  format?: ExportFormat;
  /** `--at N`: the history around item N (1-based, as `skein search` and `--items` number items). */
  at?: number;
}

/** Items shown before and after the one `--at` names. */
const AT_BEFORE = 3;
const AT_AFTER = 12;

/**
 * `skein show <id|name>`: one thread's summary; with `--items` its full history too (a
 * paginated fork's history starts with its parent's prefix, as the store resolves it).
 */
export async function showCommand(ctx: CommandContext, ref: string, options: ShowOptions): Promise<void> {
  if (options.format !== undefined) {
    const format = options.format;
    const document = await withThreadStore(ctx, async (store) => exportThread(store, await resolveThread(store, ref, ctx.where, { warn: ctx.out.error }), format));
    ctx.out.line(document.replace(/\n$/, ""));
    return;
  }
  const { thread, history } = await withThreadStore(ctx, async (store) => {
    const found = await resolveThread(store, ref, ctx.where, { warn: ctx.out.error });
    const loaded = options.items || options.at !== undefined ? await store.loadHistory({ threadId: found.threadId, includeArchived: true }) : undefined;
    return { thread: found, history: loaded?.items };
  });
  if (options.at !== undefined && history !== undefined && options.at > history.length) {
    throw new UsageError(`--at ${options.at}: the thread has ${history.length} items`);
  }
  // On a terminal, long output goes through $PAGER as git does (docs/cli-pager.md).
  const screen = options.pager === false ? { ...ctx.out, pager: undefined } : ctx.out;
  await withPager(screen, (out) => {
    if (options.json) {
      const items = history && options.at !== undefined ? history.slice(Math.max(0, options.at - 1 - AT_BEFORE), options.at + AT_AFTER) : history;
      const body = items === undefined ? toThreadDetailJson(thread) : { ...toThreadDetailJson(thread), items, ...(options.at !== undefined ? { at: options.at, firstItem: Math.max(1, options.at - AT_BEFORE) } : {}) };
      out.line(JSON.stringify(body, null, 2));
      return;
    }
    printSummary(out, ctx.now(), thread);
    if (history !== undefined) printHistory(out, history, options.at);
  });
}

function printSummary(out: Output, now: number, thread: StoredThread): void {
  const { colors } = out;
  const when = (ms: number | undefined) => (ms === undefined ? "-" : `${isoTime(ms)} (${formatAge(ms, now)})`);
  const rows: [string, string | undefined][] = [
    ["name", thread.name],
    ["preview", thread.preview ? truncate(thread.preview, Math.max(out.width - 14, 20)) : undefined],
    ["cwd", thread.cwd],
    ["source", typeof thread.source === "string" ? thread.source : JSON.stringify(thread.source)],
    ["model", [thread.modelProvider, thread.model].filter(Boolean).join(" / ")],
    ["created", when(thread.createdAt)],
    ["updated", when(thread.updatedAt)],
    ["archived", thread.archived ? colors.yellow("yes") : "no"],
    ["forked from", thread.forkedFromId],
    ["parent", thread.parentThreadId],
    ["history", thread.historyMode],
    ["rollout", thread.rolloutPath],
  ];
  out.line(colors.bold(colors.cyan(thread.threadId)));
  for (const [label, value] of rows) {
    if (value !== undefined && value !== "") out.line(`  ${colors.dim(label.padEnd(12))}${value}`);
  }
}

function printHistory(out: Output, history: readonly RolloutLine[], at?: number): void {
  const { colors } = out;
  out.line();
  const from = at === undefined ? 0 : Math.max(0, at - 1 - AT_BEFORE);
  const to = at === undefined ? history.length : Math.min(history.length, at + AT_AFTER);
  out.line(colors.bold(at === undefined ? `history (${history.length} records)` : `history, items ${from + 1}-${to} of ${history.length}`));
  const numberWidth = String(history.length).length;
  for (let index = from; index < to; index++) {
    const line = history[index]!;
    const { kind, text } = describeLine(line);
    const mark = at !== undefined && index === at - 1 ? ">" : " ";
    const prefix = `${mark}${String(index + 1).padStart(numberWidth)}  ${line.timestamp.slice(11, 19)}  ${kind}`;
    const room = out.width - prefix.length - 2;
    const body = `${prefix}${text && room > 8 ? `  ${truncate(text, room)}` : ""}`;
    out.line(mark === ">" ? colors.bold(body) : `${colors.dim(prefix)}${text && room > 8 ? `  ${truncate(text, room)}` : ""}`);
  }
}
