import { homedir } from "node:os";
import Table from "cli-table3";
import type { StoredThread } from "@skein/protocol";
import type { Colors } from "../output.js";
import { formatAge } from "./format-age.js";
import { truncate } from "./truncate.js";

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
const GAPS = 6;

/**
 * A borderless table for people: id, name (or preview when unnamed), cwd and age of the last
 * update. Every cell fits on one line; the name column takes what the terminal has left.
 */
export function renderThreadTable(threads: readonly StoredThread[], options: ThreadTableOptions): string {
  const { colors } = options;
  const room = Math.max(options.width - ID_WIDTH - AGE_WIDTH - GAPS, 20);
  const cwdWidth = Math.min(30, Math.max(10, Math.floor(room * 0.35)));
  const titleWidth = Math.max(room - cwdWidth, 10);
  const table = new Table({
    head: ["ID", "NAME / PREVIEW", "CWD", "UPDATED"].map((h) => colors.bold(h)),
    chars: {
      top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "",
      "bottom-right": "", left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "  ",
    },
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
    wordWrap: false,
  });
  for (const thread of threads) {
    const title = thread.name
      ? colors.bold(truncate(thread.name, titleWidth))
      : truncate(thread.preview || thread.title || "(no preview)", titleWidth);
    const archived = thread.archived ? colors.yellow(" [archived]") : "";
    table.push([
      colors.cyan(thread.threadId),
      title,
      colors.dim(truncate(tildePath(thread.cwd), cwdWidth, true)),
      formatAge(thread.updatedAt, options.now) + archived,
    ]);
    const note = options.notes?.get(thread.threadId);
    if (note !== undefined) table.push(["", colors.dim(truncate(note, titleWidth + cwdWidth + 2)), "", ""]);
  }
  // cli-table3 pads the last column; trailing blanks only get in the way of copy and grep.
  return table.toString().split("\n").map((line) => line.trimEnd()).join("\n");
}

function tildePath(path: string): string {
  const home = homedir();
  return path === home || path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
