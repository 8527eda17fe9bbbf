import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { SESSION_INDEX_FILE, parseSessionIndexText } from "./session-index.js";

// An index catch-up's view of `session_index.jsonl` (Codex's name index): what changed since the
// last look, reading only the appended tail when the file just grew (appends are how Codex and
// Skein write it; a removal rewrites it through a rename, which changes the inode).
// See docs/session-index.md, "Catching up with names written by others".

/** Where the catch-up left the file: identity and size. Stored in the index's meta table. */
export interface SessionIndexMark {
  ino: number;
  size: number;
  mtimeMs: number;
}

/** Names read since the mark: each thread's latest name in that range (`""` = cleared). */
export interface SessionIndexChanges {
  mark: SessionIndexMark;
  latest: Map<string, string>;
}

/** `ino:size:mtime`: the meta value of a {@link SessionIndexMark}. */
export function formatSessionIndexMark(mark: SessionIndexMark): string {
  return `${mark.ino}:${mark.size}:${mark.mtimeMs}`;
}

function parseMark(value: string | undefined): SessionIndexMark | undefined {
  const parts = value?.split(":").map(Number);
  if (parts?.length !== 3 || parts.some((n) => !Number.isSafeInteger(n))) return undefined;
  return { ino: parts[0]!, size: parts[1]!, mtimeMs: parts[2]! };
}

/** The file's current mark, or undefined when it does not exist. */
export function currentSessionIndexMark(home: string): SessionIndexMark | undefined {
  return withSessionIndex(home, (fd) => markOf(fd));
}

/** Runs `read` on the open name log, or returns undefined when there is none. */
function withSessionIndex<T>(home: string, read: (fd: number) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(join(home, SESSION_INDEX_FILE), "r");
  } catch {
    return undefined;
  }
  try {
    return read(fd);
  } finally {
    closeSync(fd);
  }
}

function markOf(fd: number): SessionIndexMark {
  const st = fstatSync(fd);
  return { ino: st.ino, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
}

/**
 * What changed since `stored` (a meta value from {@link formatSessionIndexMark}): undefined when nothing did;
 * otherwise the latest names of the appended lines, or of the whole file when it was replaced
 * or shrank (or there is no usable mark).
 */
export function readSessionIndexChanges(home: string, stored: string | undefined): SessionIndexChanges | undefined {
  return withSessionIndex(home, (fd) => {
    const mark = markOf(fd);
    const before = parseMark(stored);
    if (before && before.ino === mark.ino && before.size === mark.size && before.mtimeMs === mark.mtimeMs) return undefined;
    const from = before && before.ino === mark.ino && before.size <= mark.size ? before.size : 0;
    const bytes = Buffer.allocUnsafe(mark.size - from);
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    // Stop after the last complete line: a line being appended right now is read next time.
    const end = bytes.subarray(0, got).lastIndexOf(0x0a) + 1;
    return { mark: { ...mark, size: from + end }, latest: latestNames(bytes.subarray(0, end)) };
  });
}

/** Each thread's last name in `bytes` (whole lines only; a bad line is skipped, as Codex does). */
function latestNames(bytes: Buffer): Map<string, string> {
  const latest = new Map<string, string>();
  for (const entry of parseSessionIndexText(bytes.toString("utf8")).entries) latest.set(entry.threadId, entry.name);
  return latest;
}
