import type { Dirent } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from "node:path";
import { isThreadId, threadIdTimestampMs, type ThreadId } from "@skein/protocol";
import { InvalidRolloutFileNameError, InvalidThreadIdError, PathOutsideHomeError } from "./errors.js";

// Behaviour: codex-storage-spec.md §4.1, §4.8; codex-real-format.md §0, §5.

/** Directory under the home that holds active rollouts in `YYYY/MM/DD` folders. */
export const SESSIONS_SUBDIR = "sessions";
/** Flat directory under the home that holds archived rollouts. */
export const ARCHIVED_SESSIONS_SUBDIR = "archived_sessions";

const NAME_RE =
  /^rollout-(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})-([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.jsonl(\.zst)?$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

function assertThreadId(threadId: string): asserts threadId is ThreadId {
  if (!isThreadId(threadId)) throw new InvalidThreadIdError(threadId);
}

/**
 * The file name Codex gives a thread's rollout: `rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl`,
 * with the creation time in the process's **local** time zone.
 * @throws InvalidThreadIdError when `threadId` is not a UUID.
 */
export function rolloutFileName(threadId: string, createdAtMs: number): string {
  assertThreadId(threadId);
  const d = new Date(createdAtMs);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
  return `rollout-${date}T${time}-${threadId}.jsonl`;
}

/**
 * The active path of a new rollout: `<home>/sessions/YYYY/MM/DD/<rolloutFileName>`, dated in local time.
 * @throws InvalidThreadIdError when `threadId` is not a UUID.
 */
export function activeRolloutPath(home: string, threadId: string, createdAtMs: number): string {
  const name = rolloutFileName(threadId, createdAtMs);
  return join(resolve(home), SESSIONS_SUBDIR, name.slice(8, 12), name.slice(13, 15), name.slice(16, 18), name);
}

/** What a rollout file name encodes. */
export interface ParsedRolloutFileName {
  threadId: ThreadId;
  /** The name's timestamp read as UTC, as Codex's listing does (the name itself is local time). */
  timestampMs: number;
  /** True for a `.jsonl.zst` (compressed) name. */
  compressed: boolean;
}

/**
 * Parses a rollout file name (or a path; only the base name counts). Accepts `.jsonl` and
 * `.jsonl.zst`. Returns undefined for anything else, including an impossible date.
 */
export function parseRolloutFileName(name: string): ParsedRolloutFileName | undefined {
  const m = NAME_RE.exec(basename(name));
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const timestampMs = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(timestampMs);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return { threadId: m[7]!.toLowerCase(), timestampMs, compressed: m[8] !== undefined };
}

/** True when `path` lies directly in `<home>/archived_sessions`. */
export function isArchivedPath(home: string, path: string): boolean {
  return dirname(resolve(path)) === join(resolve(home), ARCHIVED_SESSIONS_SUBDIR);
}

/** Where archiving moves an active rollout: `<home>/archived_sessions/<same name>`. */
export function archivedPathFor(home: string, activePath: string): string {
  return join(resolve(home), ARCHIVED_SESSIONS_SUBDIR, basename(activePath));
}

/**
 * Where unarchiving moves an archived rollout: the dated folder spelled by its file name.
 * @throws InvalidRolloutFileNameError when the name carries no timestamp.
 */
export function unarchivedPathFor(home: string, archivedPath: string): string {
  const name = basename(archivedPath);
  if (!parseRolloutFileName(name)) throw new InvalidRolloutFileNameError(archivedPath);
  return join(resolve(home), SESSIONS_SUBDIR, name.slice(8, 12), name.slice(13, 15), name.slice(16, 18), name);
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
  for (const dir of await datedDirs(sessions)) {
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
  for (const name of await listNames(dir)) {
    if (!name.endsWith(`-${id}.jsonl`) && !name.endsWith(`-${id}.jsonl.zst`)) continue;
    const parsed = parseRolloutFileName(name);
    if (parsed?.threadId !== id) continue;
    if (!parsed.compressed) return join(dir, name);
    compressed ??= join(dir, name);
  }
  return compressed;
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort().reverse();
  } catch {
    return [];
  }
}

async function listDirents(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** `sessions/YYYY/MM/DD` folders, newest first. Only digit-named folders count. */
async function datedDirs(sessions: string): Promise<string[]> {
  const out: string[] = [];
  for (const y of (await listNames(sessions)).filter((n) => /^\d{4}$/.test(n))) {
    for (const m of (await listNames(join(sessions, y))).filter((n) => /^\d{2}$/.test(n))) {
      for (const d of (await listNames(join(sessions, y, m))).filter((n) => /^\d{2}$/.test(n))) {
        out.push(join(sessions, y, m, d));
      }
    }
  }
  return out;
}

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
  const root = resolve(home);
  const realRoot = await realpath(root).catch(() => root);
  const out: RolloutFileInfo[] = [];
  const dirs: Array<[string, boolean]> = [];
  if (options.archived !== true) {
    for (const dir of await datedDirs(join(root, SESSIONS_SUBDIR))) dirs.push([dir, false]);
  }
  if (options.archived !== false) dirs.push([join(root, ARCHIVED_SESSIONS_SUBDIR), true]);
  for (const [dir, archived] of dirs) {
    if (!(await insideHome(dir, realRoot, root, options.onRefused))) continue;
    // Newest name first within a folder, as Codex's listing orders (timestamp, then uuid).
    const entries = (await listDirents(dir)).sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    const plain = new Set(entries.map((e) => e.name).filter((n) => n.endsWith(".jsonl")));
    for (const entry of entries) {
      const parsed = parseRolloutFileName(entry.name);
      if (!parsed) continue;
      if (parsed.compressed && plain.has(entry.name.slice(0, -4))) continue;
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink() && !(await insideHome(path, realRoot, root, options.onRefused))) continue;
      const st = await stat(path).catch(() => undefined);
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
  }
  return out;
}

/** True when `path` (after following links) stays inside the home; reports a refusal otherwise. */
async function insideHome(
  path: string,
  realRoot: string,
  root: string,
  onRefused: ((error: PathOutsideHomeError) => void) | undefined,
): Promise<boolean> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return false;
  const real = await realpath(path).catch(() => undefined);
  if (real === undefined) return false;
  const rel = relative(realRoot, real);
  if (rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel))) return true;
  onRefused?.(new PathOutsideHomeError(path, root));
  return false;
}
