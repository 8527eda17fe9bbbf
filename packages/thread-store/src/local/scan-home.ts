import { lstatSync, readdirSync, realpathSync, statSync, type Dirent } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { ARCHIVED_SESSIONS_SUBDIR, PathOutsideHomeError, SESSIONS_SUBDIR, parseRolloutFileName, type RolloutFileInfo } from "@skein/rollout";

// A synchronous twin of `scanRolloutFiles` (@skein/rollout) for the reindex: the same files in
// the same order with the same symlink rule, but one `statSync` per file instead of an awaited
// `stat` (10k awaited stats cost ~0.7 s of event-loop hops; 10k sync stats ~30 ms), and it also
// returns each watched folder's mtime so the catch-up can tell later which folders changed.

/** A watched folder: `sessions/YYYY/MM/DD` or `archived_sessions`. */
export interface WatchedDir {
  dir: string;
  archived: boolean;
  /** Truncated mtime (ms) when the folder was listed. */
  mtimeMs: number;
}

/** What {@link scanHome} found. */
export interface HomeScan {
  files: RolloutFileInfo[];
  dirs: WatchedDir[];
}

const digitNames = (dir: string, n: number): string[] =>
  listNames(dir)
    .filter((name) => name.length === n && /^\d+$/.test(name))
    .sort()
    .reverse();

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

/** `sessions/YYYY/MM/DD` folders (newest first) and `archived_sessions`, whether or not they exist. */
export function watchedDirPaths(home: string): { dir: string; archived: boolean }[] {
  const root = resolve(home);
  const sessions = join(root, SESSIONS_SUBDIR);
  const out: { dir: string; archived: boolean }[] = [];
  for (const y of digitNames(sessions, 4)) {
    for (const m of digitNames(join(sessions, y), 2)) {
      for (const d of digitNames(join(sessions, y, m), 2)) out.push({ dir: join(sessions, y, m, d), archived: false });
    }
  }
  out.push({ dir: join(root, ARCHIVED_SESSIONS_SUBDIR), archived: true });
  return out;
}

/** True when `path` (after following links) stays inside the home; reports a refusal otherwise. */
function insideHome(path: string, realRoot: string, root: string, onRefused?: (error: PathOutsideHomeError) => void): boolean {
  if (!lstatSync(path, { throwIfNoEntry: false })) return false;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return false;
  }
  const rel = relative(realRoot, real);
  if (rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel))) return true;
  onRefused?.(new PathOutsideHomeError(path, root));
  return false;
}

/** Lists the rollout files of one watched folder, newest name first, as `scanRolloutFiles` does. */
export function scanDir(
  dir: string,
  archived: boolean,
  roots: { root: string; realRoot: string },
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
    if (entry.isSymbolicLink() && !insideHome(path, roots.realRoot, roots.root, onRefused)) continue;
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

/** The home's root and its real path (symlinks resolved), for {@link scanDir}. */
export function homeRoots(home: string): { root: string; realRoot: string } {
  const root = resolve(home);
  let realRoot = root;
  try {
    realRoot = realpathSync(root);
  } catch {
    // A missing home has no files; the scan finds nothing.
  }
  return { root, realRoot };
}

/** Every rollout file of the home (the order and rules of `scanRolloutFiles`) and the watched folders' mtimes. */
export function scanHome(home: string, onRefused?: (error: PathOutsideHomeError) => void): HomeScan {
  const roots = homeRoots(home);
  const files: RolloutFileInfo[] = [];
  const dirs: WatchedDir[] = [];
  for (const { dir, archived } of watchedDirPaths(home)) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) continue;
    dirs.push({ dir, archived, mtimeMs: Math.trunc(st.mtimeMs) });
    if (!insideHome(dir, roots.realRoot, roots.root, onRefused)) continue;
    for (const file of scanDir(dir, archived, roots, onRefused)) files.push(file);
  }
  return { files, dirs };
}
