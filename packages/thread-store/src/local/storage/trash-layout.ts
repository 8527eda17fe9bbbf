import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { syncFolder } from "@skein/rollout";

// Skein's trash inside the home (docs/storage-care.md, "The trash"):
//
//   <home>/.skein/trash/<thread-id>/entry.json   what was trashed, when, from where, its index row
//   <home>/.skein/trash/<thread-id>/<n>-<rollout file name>   the thread's files, moved (not copied)
//
// entry.json is written (temp + rename) before any file moves, so a folder holding files always
// says where they came from. A trashed thread's files are in its folder and nowhere else; any
// other combination is an interrupted step that `recoverTrash` finishes or undoes.

/** The trash folder, relative to the home. */
export const TRASH_SUBDIR = join(".skein", "trash");
/** The file describing one trashed thread. */
export const TRASH_ENTRY_FILE = "entry.json";

/** One file of a trashed thread. */
export interface TrashedFile {
  /** Where it was, relative to the home (`sessions/2026/…/rollout-….jsonl`). */
  original: string;
  /** Its name inside the entry's folder. */
  stored: string;
  bytes: number;
}

/** What `entry.json` holds. */
export interface TrashEntry {
  version: 1;
  threadId: string;
  trashedAtMs: number;
  /** `prune`, `delete`, … */
  reason: string;
  files: TrashedFile[];
  /** Total bytes of `files`. */
  bytes: number;
  /** The thread's summary when it was trashed (the index row), for `trash list`. */
  summary: { label: string; cwd: string; source: string; archived: boolean; createdAtMs: number; updatedAtMs: number; historyMode: string };
  /** The thread a paginated fork reads its prefix from (`history_base.thread_id`), if it is one. */
  historyBaseThreadId?: string;
}

export function trashDir(home: string): string {
  return join(home, TRASH_SUBDIR);
}

export function entryDir(home: string, threadId: string): string {
  return join(trashDir(home), threadId);
}

/** Reads an entry; undefined when the folder has none (or an unreadable one). */
export function readTrashEntry(home: string, threadId: string): TrashEntry | undefined {
  try {
    const entry = JSON.parse(readFileSync(join(entryDir(home, threadId), TRASH_ENTRY_FILE), "utf8")) as TrashEntry;
    return entry.version === 1 && entry.threadId === threadId && Array.isArray(entry.files) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Writes `entry.json` atomically (temp file, fsync, rename). */
export function writeTrashEntry(home: string, entry: TrashEntry): void {
  const dir = entryDir(home, entry.threadId);
  const temp = join(dir, `.${TRASH_ENTRY_FILE}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, JSON.stringify(entry, null, 2) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, join(dir, TRASH_ENTRY_FILE));
  syncFolder(dir);
}

/** The folder names under the trash (thread ids, and whatever an interrupted step left). */
export function trashFolderNames(home: string): string[] {
  try {
    return readdirSync(trashDir(home), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** True when the stored file of an entry is in its folder. */
export function storedFileExists(home: string, threadId: string, file: TrashedFile): boolean {
  return statSync(join(entryDir(home, threadId), file.stored), { throwIfNoEntry: false }) !== undefined;
}

/** Every complete entry (its files all in the trash), oldest first. Read-only: no recovery. */
export function listCompleteEntries(home: string): TrashEntry[] {
  const entries: TrashEntry[] = [];
  for (const name of trashFolderNames(home)) {
    const entry = readTrashEntry(home, name);
    if (entry && entry.files.length > 0 && entry.files.every((f) => storedFileExists(home, name, f))) entries.push(entry);
  }
  return entries.sort((a, b) => a.trashedAtMs - b.trashedAtMs || a.threadId.localeCompare(b.threadId));
}

/** Removes `path`; a file already gone is fine (also compress's leftover-`.zst` step). */
export function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
