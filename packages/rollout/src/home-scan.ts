import { lstatSync, readdirSync, realpathSync, statSync, type Dirent } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { threadIdTimestampMs, type ThreadId } from "@skein/protocol";
import { PathOutsideHomeError } from "./errors.js";
import { ARCHIVED_SESSIONS_SUBDIR, SESSIONS_SUBDIR, assertThreadId, pad, parseRolloutFileName } from "./layout.js";

// The one scan of a home's rollout files (docs/rollout-format.md, "Where rollouts live"). It is
// synchronous on purpose: one `statSync` per file instead of an awaited `stat` (10k awaited stats
// cost ~0.7 s of event-loop hops; 10k sync stats ~30 ms), which is what keeps a reindex fast.
// `scanRolloutFiles` and the thread store's index sync both go through here.

/** One rollout file found by {@link scanRolloutFiles}. */
export interface RolloutFileInfo {
  /** Absolute path (the link's path when the file is a symlink inside the home). */
  path: string;
  threadId: ThreadId;
  archived: boolean;
  /** True for `.jsonl.zst`. */
  compressed: boolean;
  /** The file name's timestamp, read as UTC (Codex's "created" cursor). */
  fileNameTimestampMs: number;
  size: number;
  mtimeMs: number;
}

/** Options of {@link scanRolloutFiles}. */
export interface ScanRolloutFilesOptions {
  /** `true`: archived only; `false`: active only; absent: both. */
  archived?: boolean;
  /** Told about every symlink that was refused because it resolves outside the home. */
  onRefused?: (error: PathOutsideHomeError) => void;
}

/**
 * Lists every rollout file: `sessions/YYYY/MM/DD/*` (newest folder first) and the flat
 * `archived_sessions/*`. Names that are not rollout names are ignored; a `.jsonl` hides its
 * `.jsonl.zst` sibling. Symlinks are followed only when their target stays inside the home;
 * the others are refused and reported through `onRefused`, never read.
 */
export async function scanRolloutFiles(home: string, options: ScanRolloutFilesOptions = {}): Promise<RolloutFileInfo[]> {
  return scanHome(home, options).files;
}

/** A watched folder: `sessions/YYYY/MM/DD` or `archived_sessions`. */
export interface WatchedDir {
  dir: string;
  archived: boolean;
  /** Truncated mtime (ms) when the folder was listed. */
  mtimeMs: number;
}

/** What {@link scanHome} found: the rollout files and the folders that exist, with their mtimes. */
export interface HomeScan {
  files: RolloutFileInfo[];
  dirs: WatchedDir[];
}

/** The home's root and its real path (symlinks resolved), for {@link scanRolloutDir}. */
export interface HomeRoots {
  root: string;
  realRoot: string;
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function listDirents(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Digit-only names of length `n` in `dir`, newest (highest) first. */
function digitNames(dir: string, n: number): string[] {
  return listNames(dir)
    .filter((name) => name.length === n && /^\d+$/.test(name))
    .sort()
    .reverse();
}

/**
 * `sessions/YYYY/MM/DD` folders (newest first, only digit-named folders count), then
 * `archived_sessions`, whether or not it exists. `archived` keeps one collection only.
 */
export function watchedDirPaths(home: string, archived?: boolean): { dir: string; archived: boolean }[] {
  const root = resolve(home);
  const out: { dir: string; archived: boolean }[] = [];
  if (archived !== true) {
    // Digit-only names under a resolved root: concatenation is all `join` would do, at a
    // fraction of the cost (this runs on every `skein list` and `du` that checks for a catch-up).
    const sessions = join(root, SESSIONS_SUBDIR);
    for (const y of digitNames(sessions, 4)) {
      const year = `${sessions}${sep}${y}`;
      for (const m of digitNames(year, 2)) {
        const month = `${year}${sep}${m}`;
        for (const d of digitNames(month, 2)) out.push({ dir: `${month}${sep}${d}`, archived: false });
      }
    }
  }
  if (archived !== false) out.push({ dir: join(root, ARCHIVED_SESSIONS_SUBDIR), archived: true });
  return out;
}

/** The home's root and its real path; a missing home is its own real path (and has no files). */
export function homeRoots(home: string): HomeRoots {
  const root = resolve(home);
  let realRoot = root;
  try {
    realRoot = realpathSync(root);
  } catch {
    // A missing home has no files; the scan finds nothing.
  }
  return { root, realRoot };
}

/** True when `path` (after following links) stays inside the home; reports a refusal otherwise. */
function insideHome(path: string, roots: HomeRoots, onRefused?: (error: PathOutsideHomeError) => void): boolean {
  if (!lstatSync(path, { throwIfNoEntry: false })) return false;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return false;
  }
  const rel = relative(roots.realRoot, real);
  if (rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel))) return true;
  onRefused?.(new PathOutsideHomeError(path, roots.root));
  return false;
}

/**
 * The rollout files of one watched folder, newest name first (Codex's listing order: timestamp,
 * then uuid). Names that are not rollout names are ignored; a `.jsonl` hides its `.jsonl.zst`
 * sibling; a symlink is followed only when its target stays inside the home.
 */
export function scanRolloutDir(
  dir: string,
  archived: boolean,
  roots: HomeRoots,
  onRefused?: (error: PathOutsideHomeError) => void,
): RolloutFileInfo[] {
  const out: RolloutFileInfo[] = [];
  const entries = listDirents(dir).sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const plain = new Set(entries.map((e) => e.name).filter((n) => n.endsWith(".jsonl")));
  for (const entry of entries) {
    const parsed = parseRolloutFileName(entry.name);
    if (!parsed) continue;
    if (parsed.compressed && plain.has(entry.name.slice(0, -4))) continue;
    // `dir` is already normalized: concatenation is all `join` would do, at a fraction of the cost.
    const path = `${dir}${sep}${entry.name}`;
    if (entry.isSymbolicLink() && !insideHome(path, roots, onRefused)) continue;
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    out.push({
      path,
      threadId: parsed.threadId,
      archived,
      compressed: parsed.compressed,
      fileNameTimestampMs: parsed.timestampMs,
      size: st.size,
      mtimeMs: Math.trunc(st.mtimeMs),
    });
  }
  return out;
}

/**
 * Every rollout file of the home — `sessions/YYYY/MM/DD/*` (newest folder first), then the flat
 * `archived_sessions/*` — and each existing watched folder's mtime (so a catch-up can later tell
 * which folders changed). A watched folder that is a symlink leading outside the home is refused
 * (reported through `onRefused`) and not listed.
 */
export function scanHome(home: string, options: ScanRolloutFilesOptions = {}): HomeScan {
  const roots = homeRoots(home);
  const files: RolloutFileInfo[] = [];
  const dirs: WatchedDir[] = [];
  for (const { dir, archived } of watchedDirPaths(home, options.archived)) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st?.isDirectory()) dirs.push({ dir, archived, mtimeMs: Math.trunc(st.mtimeMs) });
    if (!insideHome(dir, roots, options.onRefused) || !st?.isDirectory()) continue;
    for (const file of scanRolloutDir(dir, archived, roots, options.onRefused)) files.push(file);
  }
  return { files, dirs };
}

/** A thread's rollout as found on disk. */
export interface FoundRollout {
  path: string;
  archived: boolean;
}

/** Options of {@link findRolloutPath}. */
export interface FindRolloutPathOptions {
  /** Also look in `archived_sessions` (after the active tree). Default false. */
  includeArchived?: boolean;
}

/**
 * Finds a thread's rollout by id: the active tree first, then (if asked) the archived folder.
 * A `.jsonl` hides its `.jsonl.zst` sibling. Returns undefined when there is none.
 * UUIDv7 ids embed their creation time, so the matching day folders are tried before a full walk.
 * @throws InvalidThreadIdError when `threadId` is not a UUID (checked before touching the disk).
 */
export async function findRolloutPath(
  home: string,
  threadId: string,
  options: FindRolloutPathOptions = {},
): Promise<FoundRollout | undefined> {
  assertThreadId(threadId);
  const id = threadId.toLowerCase();
  const root = resolve(home);
  const sessions = join(root, SESSIONS_SUBDIR);
  const createdMs = threadIdTimestampMs(id);
  const tried = new Set<string>();
  if (createdMs !== undefined) {
    for (const delta of [0, -86_400_000, 86_400_000]) {
      const d = new Date(createdMs + delta);
      const dir = join(sessions, String(d.getFullYear()), pad(d.getMonth() + 1), pad(d.getDate()));
      tried.add(dir);
      const hit = await findInDir(dir, id);
      if (hit) return { path: hit, archived: false };
    }
  }
  for (const { dir } of watchedDirPaths(root, false)) {
    if (tried.has(dir)) continue;
    const hit = await findInDir(dir, id);
    if (hit) return { path: hit, archived: false };
  }
  if (options.includeArchived) {
    const hit = await findInDir(join(root, ARCHIVED_SESSIONS_SUBDIR), id);
    if (hit) return { path: hit, archived: true };
  }
  return undefined;
}

async function findInDir(dir: string, id: string): Promise<string | undefined> {
  let compressed: string | undefined;
  for (const name of listNames(dir).sort().reverse()) {
    if (!name.endsWith(`-${id}.jsonl`) && !name.endsWith(`-${id}.jsonl.zst`)) continue;
    const parsed = parseRolloutFileName(name);
    if (parsed?.threadId !== id) continue;
    if (!parsed.compressed) return join(dir, name);
    compressed ??= join(dir, name);
  }
  return compressed;
}
