import { homedir } from "node:os";
import type { StoredThread } from "@skein/protocol";
import type { Colors } from "../output.js";
import { formatAge } from "./format-age.js";
import { displayWidth, padToWidth, truncate } from "./truncate.js";

/** Options of {@link renderThreadTable}. */
export interface ThreadTableOptions {
  /** Line width to fit (the terminal's columns). */
  width: number;
  now: number;
  colors: Colors;
  /** Extra text per thread shown under its row (search snippets). */
  notes?: ReadonlyMap<string, string>;
}

const ID_WIDTH = 36;
const AGE_WIDTH = 9;
const GAP = "  ";
const GAPS = GAP.length * 3;

/**
 * A borderless table for people: id, name (or preview when unnamed), cwd and age of the last
 * update. Every cell fits on one line; the name column takes what the terminal has left. Columns
 * are measured in terminal columns, so names in CJK or with emoji keep them aligned.
 */
export function renderThreadTable(threads: readonly StoredThread[], options: ThreadTableOptions): string {
  const { colors } = options;
  const room = Math.max(options.width - ID_WIDTH - AGE_WIDTH - GAPS, 20);
  const cwdWidth = Math.min(30, Math.max(10, Math.floor(room * 0.35)));
  const titleWidth = Math.max(room - cwdWidth, 10);
  const rows: { cells: string[]; note?: string }[] = [{ cells: ["ID", "NAME / PREVIEW", "CWD", "UPDATED"].map((h) => colors.bold(h)) }];
  for (const thread of threads) {
    const title = thread.name
      ? colors.bold(truncate(thread.name, titleWidth))
      : truncate(thread.preview || thread.title || "(no preview)", titleWidth);
    const archived = thread.archived ? colors.yellow(" [archived]") : "";
    const note = options.notes?.get(thread.threadId);
    rows.push({
      cells: [colors.cyan(thread.threadId), title, colors.dim(truncate(tildePath(thread.cwd), cwdWidth, true)), formatAge(thread.updatedAt, options.now) + archived],
      ...(note !== undefined && { note: colors.dim(truncate(note, titleWidth + cwdWidth + GAP.length)) }),
    });
  }
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => displayWidth(r.cells[c]!))));
  const lines: string[] = [];
  for (const row of rows) {
    lines.push(row.cells.map((cell, c) => (c < widths.length ? padToWidth(cell, widths[c]!) : cell)).join(GAP).trimEnd());
    // A note sits under the name column and may run into the cwd column; it never widens a column.
    if (row.note !== undefined) lines.push(`${" ".repeat(widths[0]!)}${GAP}${row.note}`.trimEnd());
  }
  return lines.join("\n");
}

function tildePath(path: string): string {
  const home = homedir();
  return path === home || path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
