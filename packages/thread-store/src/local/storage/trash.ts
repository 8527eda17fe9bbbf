import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, relative } from "node:path";
import { sessionSourceKey, type ThreadId } from "@skein/protocol";
import {
  archivedPathFor,
  compressedRolloutPath,
  findRolloutPath,
  isArchivedPath,
  isCompressedRolloutPath,
  plainRolloutPath,
  readHeadSummary,
  removeSessionNameEntries,
  syncFolder,
} from "@skein/rollout";
import { ConflictError, ThreadNotFoundError } from "../../errors.js";
import { codexForgetThread } from "../../codex-index/codex-index-sync.js";
import { syncCodexIndex } from "../codex-sync.js";
import { assertInsideHome, isWithin } from "../home-paths.js";
import { indexFile } from "../locate-thread.js";
import type { LocalStoreContext } from "../store-context.js";
import { crashPoint } from "./crash-points.js";
import {
  TRASH_ENTRY_FILE,
  entryDir,
  listCompleteEntries,
  readTrashEntry,
  storedFileExists,
  trashDir,
  trashFolderNames,
  writeTrashEntry,
  type TrashEntry,
  type TrashedFile,
} from "./trash-layout.js";
import { withThreadLock } from "./thread-lock.js";

// The trash (docs/storage-care.md, "The trash"): a thread's files move, never copied, into
// `.skein/trash/<id>/` after `entry.json` says where they came from; Skein's index row goes and
// Codex's row goes (so Codex no longer lists it). Restore moves them back and indexes them again;
// Codex finds the file on its next scan. Every step is ordered so that `recoverTrash` can finish
// or undo whatever a crash interrupted: a thread is in the trash only when all its files are.

const EMPTYING_PREFIX = ".emptying-";

/** Every file of a thread now in the home: both collections, both forms, and a `.torn` sidecar. */
async function threadFiles(ctx: LocalStoreContext, threadId: ThreadId): Promise<string[]> {
  const seeds = new Set<string>();
  const row = ctx.db?.getThread(threadId);
  if (row) seeds.add(row.rolloutPath);
  for (const includeArchived of [false, true]) {
    const found = await findRolloutPath(ctx.home, threadId, { includeArchived });
    if (found) seeds.add(found.path);
  }
  const files = new Set<string>();
  for (const seed of seeds) {
    const places = [seed, isArchivedPath(ctx.home, seed) ? seed : archivedPathFor(ctx.home, seed)];
    for (const place of places) {
      const plain = plainRolloutPath(place);
      for (const file of [plain, compressedRolloutPath(plain), `${plain}.torn`]) {
        if (!lstatSync(file, { throwIfNoEntry: false })?.isFile()) continue;
        if (await assertInsideHome(ctx.home, file).then(() => true, () => false)) files.add(file);
      }
    }
  }
  return [...files].sort();
}

/** The file a thread is read from: the plain form wins over the compressed one; never a `.torn`. */
function mainFile(files: readonly string[]): string | undefined {
  const rollouts = files.filter((f) => !f.endsWith(".torn"));
  return rollouts.find((f) => !isCompressedRolloutPath(f)) ?? rollouts[0];
}

/**
 * Moves a thread into the trash. Holds its writer lock throughout.
 * @throws ThreadNotFoundError when it has no file; ConflictError when it has a live writer or is already in the trash.
 */
export async function trashThread(ctx: LocalStoreContext, threadId: ThreadId, reason: string): Promise<TrashEntry> {
  const done = await withThreadLock(ctx, threadId, async () => {
    const files = await threadFiles(ctx, threadId);
    const main = mainFile(files);
    if (!main) throw new ThreadNotFoundError(threadId);
    if (existsSync(entryDir(ctx.home, threadId))) throw new ConflictError(`thread ${threadId} is already in the trash (${entryDir(ctx.home, threadId)})`);
    const row = ctx.db?.getThread(threadId);
    let historyBaseThreadId: string | undefined;
    try {
      const head = readHeadSummary(main);
      if (head.historyMode === "paginated") historyBaseThreadId = head.historyBase?.thread_id;
    } catch {
      // an unreadable head: the thread is trashed all the same
    }
    const stored: TrashedFile[] = files.map((file, i) => ({ original: relative(ctx.home, file), stored: `${i}-${basename(file)}`, bytes: statSync(file).size }));
    const entry: TrashEntry = {
      version: 1,
      threadId,
      trashedAtMs: ctx.now(),
      reason,
      files: stored,
      bytes: stored.reduce((n, f) => n + f.bytes, 0),
      summary: {
        label: row?.name || row?.title || row?.preview || "",
        cwd: row?.cwd ?? "",
        source: row ? sessionSourceKey(row.source) : "unknown",
        archived: isArchivedPath(ctx.home, main),
        createdAtMs: row?.createdAt ?? 0,
        updatedAtMs: row?.updatedAt ?? 0,
        historyMode: row?.historyMode ?? "legacy",
      },
      ...(historyBaseThreadId !== undefined && { historyBaseThreadId }),
    };
    mkdirSync(entryDir(ctx.home, threadId), { recursive: true, mode: 0o700 });
    writeTrashEntry(ctx.home, entry);
    crashPoint("trash:after-entry");
    for (const [i, file] of files.entries()) {
      renameSync(file, join(entryDir(ctx.home, threadId), stored[i]!.stored));
      crashPoint("trash:after-move");
    }
    syncFolder(entryDir(ctx.home, threadId));
    await forgetInIndex(ctx, threadId, files);
    crashPoint("trash:after-index");
    syncCodexIndex(ctx, () => codexForgetThread(ctx.home, { threadId }));
    return entry;
  });
  if ("busy" in done) throw new ConflictError(`thread ${threadId} cannot go to the trash now: ${done.busy}`);
  return done.value;
}

async function forgetInIndex(ctx: LocalStoreContext, threadId: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    ctx.db?.forgetIndexedFile(file);
    if (!file.endsWith(".torn")) await ctx.itemIndexes.forget(plainRolloutPath(file));
  }
  ctx.db?.deleteThread(threadId);
}

/** What {@link restoreFromTrash} brought back. */
export interface RestoreReport {
  restored: string[];
}

/**
 * Moves a trashed thread's files back where they were and indexes it again; a paginated fork's
 * parents still in the trash come back first (its history is read through them).
 * @throws ThreadNotFoundError when the thread is not in the trash; ConflictError when its place is taken.
 */
export async function restoreFromTrash(ctx: LocalStoreContext, threadId: ThreadId): Promise<RestoreReport> {
  recoverTrash(ctx);
  const report: RestoreReport = { restored: [] };
  const chain: TrashEntry[] = [];
  const seen = new Set<string>();
  for (let id: string | undefined = threadId; id !== undefined && !seen.has(id); ) {
    seen.add(id);
    const entry = completeEntry(ctx.home, id);
    if (!entry) {
      if (id === threadId) throw new ThreadNotFoundError(threadId);
      break;
    }
    chain.unshift(entry);
    id = entry.historyBaseThreadId;
  }
  for (const entry of chain) {
    await restoreOne(ctx, entry);
    report.restored.push(entry.threadId);
  }
  return report;
}

function completeEntry(home: string, threadId: string): TrashEntry | undefined {
  const entry = readTrashEntry(home, threadId);
  return entry && entry.files.length > 0 && entry.files.every((f) => storedFileExists(home, threadId, f)) ? entry : undefined;
}

async function restoreOne(ctx: LocalStoreContext, entry: TrashEntry): Promise<void> {
  const threadId = entry.threadId as ThreadId;
  const targets = entry.files.map((f) => join(ctx.home, f.original));
  for (const target of targets) {
    if (!isWithin(ctx.home, target)) throw new ConflictError(`trash entry ${threadId} names a place outside the home: ${target}`);
    if (existsSync(target)) throw new ConflictError(`cannot restore ${threadId}: ${target} already exists`);
  }
  const done = await withThreadLock(ctx, threadId, async () => {
    for (const [i, file] of entry.files.entries()) {
      moveBackNoClobber(join(entryDir(ctx.home, threadId), file.stored), targets[i]!);
      crashPoint("restore:after-move");
    }
    const main = mainFile(targets)!;
    await indexFile(ctx, threadId, main, isArchivedPath(ctx.home, main));
    crashPoint("restore:after-index");
    rmSync(entryDir(ctx.home, threadId), { recursive: true, force: true });
  });
  if ("busy" in done) throw new ConflictError(`thread ${threadId} cannot be restored now: ${done.busy}`);
}

/** link + unlink: never replaces a file at `target`; idempotent when a crash left both names. */
function moveBackNoClobber(stored: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  try {
    linkSync(stored, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (statSync(target).ino !== statSync(stored).ino) throw new ConflictError(`cannot restore ${basename(target)}: ${target} already exists`);
  }
  syncFolder(dirname(target));
  unlinkSync(stored);
}

/**
 * Finishes or undoes what a crash interrupted (idempotent, cheap when nothing is pending):
 * - an entry whose files are all in the trash and none at their place is complete: Skein's row
 *   for it, if a crash left one, goes;
 * - an entry with some files in the trash and some (or none) elsewhere is a move in progress, in
 *   either direction: its trashed files go back to their places, the thread is live again, the
 *   entry goes;
 * - an entry with no file in the trash (restored, or crashed before moving anything) goes;
 * - a folder being emptied (`.emptying-…`) is removed; a folder with no entry and no file too.
 */
export function recoverTrash(ctx: LocalStoreContext): void {
  for (const name of trashFolderNames(ctx.home)) {
    const dir = join(trashDir(ctx.home), name);
    if (name.startsWith(EMPTYING_PREFIX)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    const entry = readTrashEntry(ctx.home, name);
    if (!entry) {
      const left = readdirSync(dir).filter((f) => f !== TRASH_ENTRY_FILE && !f.startsWith("."));
      if (left.length === 0) rmSync(dir, { recursive: true, force: true });
      continue; // never delete files nobody described
    }
    const inTrash = entry.files.filter((f) => storedFileExists(ctx.home, name, f));
    const atPlace = entry.files.filter((f) => existsSync(join(ctx.home, f.original)));
    if (inTrash.length === entry.files.length && atPlace.length === 0) {
      const row = ctx.db?.getThread(name);
      if (row && !existsSync(row.rolloutPath)) ctx.db!.deleteThread(name);
      continue;
    }
    try {
      for (const f of inTrash) moveBackNoClobber(join(dir, f.stored), join(ctx.home, f.original));
    } catch {
      continue; // a place is taken by another file: keep the entry as it is for a person to look at
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The complete entries of the trash, oldest first (after recovering interrupted steps). */
export function listTrash(ctx: LocalStoreContext): TrashEntry[] {
  recoverTrash(ctx);
  return listCompleteEntries(ctx.home);
}

/** Options of {@link emptyTrash}. */
export interface EmptyTrashOptions {
  /** Only entries trashed at least this long ago (ms). */
  olderThanMs?: number;
  dryRun?: boolean;
}

/** What {@link emptyTrash} did. */
export interface EmptyTrashReport {
  removed: { threadId: string; bytes: number }[];
  /** Entries kept because a thread outside (or left in) the trash reads its history through them. */
  kept: { threadId: string; reason: string }[];
  bytes: number;
}

/**
 * Deletes trashed threads for good (their files, names and metadata patches). A trashed thread
 * that a paginated fork still reads through `history_base` stays (the fork being live, or
 * trashed and not emptied now).
 */
export async function emptyTrash(ctx: LocalStoreContext, options: EmptyTrashOptions, liveForkParents: ReadonlyMap<string, string>): Promise<EmptyTrashReport> {
  const entries = listTrash(ctx);
  const cutoff = options.olderThanMs === undefined ? Infinity : ctx.now() - options.olderThanMs;
  const going = new Set(entries.filter((e) => e.trashedAtMs <= cutoff).map((e) => e.threadId));
  const needs = new Map(liveForkParents);
  for (const e of entries) if (!going.has(e.threadId) && e.historyBaseThreadId) needs.set(e.historyBaseThreadId, e.threadId);
  // A kept parent keeps its own parent: repeat until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of entries) {
      if (going.has(e.threadId) && needs.has(e.threadId)) {
        going.delete(e.threadId);
        if (e.historyBaseThreadId && !needs.has(e.historyBaseThreadId)) needs.set(e.historyBaseThreadId, e.threadId);
        changed = true;
      }
    }
  }
  const report: EmptyTrashReport = { removed: [], kept: [], bytes: 0 };
  for (const e of entries) {
    if (e.trashedAtMs > cutoff) continue;
    if (!going.has(e.threadId)) {
      report.kept.push({ threadId: e.threadId, reason: `fork ${needs.get(e.threadId)} reads its history through it (history_base)` });
      continue;
    }
    report.removed.push({ threadId: e.threadId, bytes: e.bytes });
    report.bytes += e.bytes;
    if (options.dryRun) continue;
    const doomed = join(trashDir(ctx.home), `${EMPTYING_PREFIX}${e.threadId}-${randomBytes(4).toString("hex")}`);
    renameSync(entryDir(ctx.home, e.threadId), doomed);
    crashPoint("empty:after-rename");
    rmSync(doomed, { recursive: true, force: true });
    await removeSessionNameEntries(ctx.home, e.threadId);
    await ctx.sidecar.remove(e.threadId as ThreadId);
  }
  return report;
}
