import { lstatSync, realpathSync, statSync, type Stats } from "node:fs";
import { realpath } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ThreadId } from "@skein/protocol";
import { ARCHIVED_SESSIONS_SUBDIR, SESSIONS_SUBDIR, findRolloutPath } from "@skein/rollout";
import { InvalidRequestError, ThreadNotFoundError } from "../errors.js";

// Every rollout path the local store reads or writes goes through `RolloutPathGuard`: its real
// path (every symlink of every component resolved) must lie inside the home's `sessions/` or
// `archived_sessions/`. A link that leads elsewhere could make an append write into any file
// the user can write (a dotfile, the index DB), so it is refused, never followed.

/** True when `child` is `parent` or lies below it (both resolved, no `..` escape). */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * True when `path` lies inside `home`: by its name, or else once both are resolved through their
 * symlinks (the same home reached by another name, e.g. `~/.codex` linked to `/data/codex`).
 * False when either cannot be resolved (a home that moved away).
 */
export function liesInHome(home: string, path: string): boolean {
  if (isWithin(home, path)) return true;
  try {
    return isWithin(realpathSync.native(home), realpathSync.native(path));
  } catch {
    return false;
  }
}

/** True when `a` and `b` are the same folder, by name or through symlinks (see {@link liesInHome}). */
export function sameHome(a: string, b: string): boolean {
  return a === b || (liesInHome(a, b) && liesInHome(b, a));
}

/** True when `child` lies strictly below `parent`. */
function isBelow(parent: string, child: string): boolean {
  return child.length > parent.length + 1 && child.startsWith(parent) && child[parent.length] === sep;
}

/**
 * Checks that `path` lies inside the home, also after resolving symlinks (a link inside the home
 * that points outside is refused). Returns the resolved absolute path.
 * @throws InvalidRequestError `path <p> is outside the home`
 */
export async function assertInsideHome(home: string, path: string): Promise<string> {
  const root = resolve(home);
  const abs = resolve(root, path);
  if (!isWithin(root, abs)) throw new InvalidRequestError(`path ${path} is outside the home`);
  const realRoot = await realpath(root).catch(() => root);
  const real = await realpath(abs).catch(() => undefined);
  if (real !== undefined && !isWithin(realRoot, real)) {
    throw new InvalidRequestError(`path ${path} resolves outside the home`);
  }
  return abs;
}

/** What {@link RolloutPathGuard.inspect} found at a rollout path. */
export type RolloutPathState =
  /** A regular file with content, inside the home's rollout folders: safe to read and append. */
  | { kind: "file"; size: number; stats: Stats }
  /** A 0-byte regular file: a thread whose file was created but never written (a kill in between). */
  | { kind: "empty"; stats: Stats }
  | { kind: "missing" }
  /** Its real path is not inside `sessions/` or `archived_sessions/`: refused, never opened. */
  | { kind: "outside"; realPath: string }
  /** Something other than a regular file (a folder, a device). */
  | { kind: "not_file" };

/** The `InvalidRequestError` detail for a rollout path that resolves outside the home. */
export function outsideHomeDetail(path: string, home: string): string {
  return `rollout path ${path} resolves outside the sessions folders of ${home}; refused`;
}

const realHomes = new Map<string, string>();
/** A `.` or `..` segment, or an empty one: what `resolve` would rewrite. */
const UNNORMALIZED = /[\\/]\.{0,2}(?:[\\/]|$)/;

/** The home's real path (cached per process: a home does not move under a running store). */
function realHomeOf(root: string): string {
  const cached = realHomes.get(root);
  if (cached !== undefined) return cached;
  try {
    const real = realpathSync.native(root);
    realHomes.set(root, real);
    return real;
  } catch {
    return root; // a missing home holds no files: every path is "missing" anyway
  }
}

/**
 * Classifies rollout paths of one home. One instance per operation: it remembers the real path
 * of each folder it resolved, so a page of rows in a few day folders costs one `lstat` per row
 * plus one `realpath` per folder (a `realpath` per row costs ~5x more).
 */
export class RolloutPathGuard {
  readonly home: string;
  readonly #roots: readonly string[];
  readonly #realDirs = new Map<string, string | undefined>();

  constructor(home: string) {
    this.home = resolve(home);
    const real = realHomeOf(this.home);
    this.#roots = [join(real, SESSIONS_SUBDIR), join(real, ARCHIVED_SESSIONS_SUBDIR)];
  }

  /** Where `path` really leads and what is there. Never throws. */
  inspect(path: string): RolloutPathState {
    // Index rows hold normalized absolute paths: string slicing is all `resolve`/`join` would do here.
    const abs = isAbsolute(path) && !UNNORMALIZED.test(path) ? path : resolve(this.home, path);
    const link = lstatSync(abs, { throwIfNoEntry: false });
    if (!link) return { kind: "missing" };
    let real: string;
    if (link.isSymbolicLink()) {
      try {
        real = realpathSync.native(abs);
      } catch {
        return { kind: "missing" }; // a dangling link leads nowhere
      }
    } else {
      const cut = abs.lastIndexOf(sep);
      const dir = this.#realDir(cut === 0 ? sep : abs.slice(0, cut));
      if (dir === undefined) return { kind: "missing" };
      real = dir === sep ? abs.slice(cut) : dir + abs.slice(cut);
    }
    if (!this.#roots.some((root) => isBelow(root, real))) return { kind: "outside", realPath: real };
    const st = link.isSymbolicLink() ? statSync(real, { throwIfNoEntry: false }) : link;
    if (!st) return { kind: "missing" };
    if (!st.isFile()) return { kind: "not_file" };
    return st.size === 0 ? { kind: "empty", stats: st } : { kind: "file", size: st.size, stats: st };
  }

  /** True when `path` is a rollout with content inside the home (see {@link inspect}). */
  usable(path: string): boolean {
    return this.inspect(path).kind === "file";
  }

  #realDir(dir: string): string | undefined {
    if (this.#realDirs.has(dir)) return this.#realDirs.get(dir);
    let real: string | undefined;
    try {
      real = realpathSync.native(dir);
    } catch {
      real = undefined;
    }
    this.#realDirs.set(dir, real);
    return real;
  }
}

/** A thread's rollout found by {@link findUsableRollout}, or the path of one that was refused. */
export type UsableRollout = { path: string; archived: boolean } | { refused: string };

/**
 * `findRolloutPath` (active, then archived), keeping only what {@link RolloutPathGuard} accepts:
 * a 0-byte or vanished file is no rollout (undefined); one that resolves outside the home is
 * returned as `{ refused }` so the caller can say why.
 */
export async function findUsableRollout(home: string, threadId: ThreadId): Promise<UsableRollout | undefined> {
  const hit = await findRolloutPath(home, threadId, { includeArchived: true });
  if (!hit) return undefined;
  const state = new RolloutPathGuard(home).inspect(hit.path);
  if (state.kind === "file") return { path: hit.path, archived: hit.archived };
  return state.kind === "outside" ? { refused: hit.path } : undefined;
}

/**
 * Resolves a caller-given rollout path: relative paths against the home. Its real path must be
 * a regular file inside the home's `sessions/` or `archived_sessions/`.
 * @throws InvalidRequestError naming the path when it is missing, outside, or not a file; also
 *   when it is empty and no `threadId` is given.
 * @throws ThreadNotFoundError for an empty file (a thread never written) when `threadId` is given.
 */
export async function resolveRolloutPathParam(home: string, path: string, threadId?: ThreadId): Promise<string> {
  if (typeof path !== "string" || path.length === 0) throw new InvalidRequestError("rolloutPath must be a non-empty string");
  if (path.includes("\0")) throw new InvalidRequestError("rolloutPath must not contain NUL");
  const abs = resolve(home, path);
  const state = new RolloutPathGuard(home).inspect(abs);
  switch (state.kind) {
    case "file":
      return abs;
    case "missing":
      throw new InvalidRequestError(`no rollout file at ${path}`);
    case "outside":
      throw new InvalidRequestError(outsideHomeDetail(path, resolve(home)));
    case "not_file":
      throw new InvalidRequestError(`rollout path ${path} is not a regular file`);
    case "empty":
      if (threadId !== undefined) throw new ThreadNotFoundError(threadId);
      throw new InvalidRequestError(`rollout ${path} is empty (the thread was never written)`);
  }
}
