import { randomUUID } from "node:crypto";
import { linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ThreadId } from "@skein/protocol";
import { ConflictError, InternalError } from "../errors.js";
import type { WriterLockHolder } from "./types.js";
import { CodexWriterLock, isCodexHome } from "../codex-index/codex-writer-lock.js";
import { LOCKS_SUBDIR } from "./home-files.js";

// Design: docs/locks.md, "Writer locks".

/** Where writer locks live, relative to the home. */
export { LOCKS_SUBDIR };

/**
 * Age after which a lock file without a readable holder (empty or not JSON) counts as stale.
 * Locks are created whole (see {@link WriterLock.acquire}), so such a file comes only from an
 * older Skein killed between creating and writing it, or from a hand edit; a younger one may be
 * such an older Skein still writing, so a contender waits for it up to this age.
 */
export const UNREADABLE_LOCK_STALE_MS = 3000;

const UNREADABLE_POLL_MS = 20;

/** A lock file's state as seen by {@link inspectWriterLock}. */
export type LockState =
  | { kind: "free" }
  | { kind: "live"; holder: WriterLockHolder; ino: number }
  | { kind: "stale"; holder: WriterLockHolder; ino: number }
  | { kind: "unreadable"; detail: string; ageMs: number; ino: number | undefined };

/** `pid 123 on host`: how messages name a lock holder. */
export function describeHolder(holder: WriterLockHolder): string {
  return `pid ${holder.pid} on ${holder.hostname}`;
}

/** Path of a thread's lock file. The id must already be validated. */
export function writerLockPath(home: string, threadId: ThreadId): string {
  return join(home, LOCKS_SUBDIR, `${threadId}.lock`);
}

/**
 * True when the holder's process is known to be gone. Only a holder on this host can be checked
 * (`kill(pid, 0)` → ESRCH); a holder on another host is assumed alive.
 */
export function isHolderDead(holder: WriterLockHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function parseHolder(text: string): WriterLockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<WriterLockHolder>;
    if (typeof v.pid === "number" && typeof v.hostname === "string" && typeof v.token === "string") {
      return { pid: v.pid, hostname: v.hostname, startedAtMs: Number(v.startedAtMs ?? 0), token: v.token };
    }
  } catch {
    // fall through: reported as unreadable
  }
  return undefined;
}

function readHolder(path: string): WriterLockHolder | undefined | "missing" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  return parseHolder(text);
}

/**
 * Reads a lock file and classifies it (read-only; used by `checkHome`, catch-up and writers).
 * `ino` identifies the file that was read, so a takeover can tell it removed that very file.
 */
export function inspectWriterLock(path: string): LockState {
  let ino: number | undefined;
  let mtimeMs = Date.now();
  let holder: ReturnType<typeof readHolder>;
  try {
    const st = statSync(path);
    ino = st.ino;
    mtimeMs = st.mtimeMs;
    holder = readHolder(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "free" };
    return { kind: "unreadable", detail: (error as Error).message, ageMs: 0, ino };
  }
  if (holder === "missing") return { kind: "free" };
  if (holder === undefined) {
    return { kind: "unreadable", detail: "lock file is not a JSON holder record", ageMs: Math.max(0, Date.now() - mtimeMs), ino };
  }
  return isHolderDead(holder) ? { kind: "stale", holder, ino: ino! } : { kind: "live", holder, ino: ino! };
}

/** Every lock file under the home: `{threadId, path}` (ids are taken from valid file names only). */
export function listWriterLocks(home: string): { threadId: string; path: string }[] {
  const dir = join(home, LOCKS_SUBDIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { threadId: string; path: string }[] = [];
  for (const name of names) {
    const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.lock$/i.exec(name);
    if (m) out.push({ threadId: m[1]!, path: join(dir, name) });
  }
  return out;
}

const heldLocks = new Map<string, string>(); // path → token, for the exit hook
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Best effort: a clean exit releases locks at once; a crash leaves them for takeover.
  process.on("exit", () => {
    for (const [path, token] of heldLocks) releaseIfOurs(path, token);
  });
}

function releaseIfOurs(path: string, token: string): void {
  try {
    const holder = readHolder(path);
    if (holder !== "missing" && holder?.token === token) unlinkSync(path);
  } catch {
    // already gone or unreadable: nothing of ours to remove
  }
}

function ignoreErrors(fn: () => void): void {
  try {
    fn();
  } catch {
    // best effort
  }
}

/**
 * Creates the lock file with its holder already in it: the record goes to a private temp file
 * (0600) that is then hard-linked to the lock path. `link(2)` fails with EEXIST when the lock
 * exists (the `O_EXCL` semantics), and a lock that exists is always complete, so no reader can
 * ever see it half-written and no kill can leave it empty. Returns false when the lock exists.
 */
function createWhole(path: string, holder: WriterLockHolder): boolean {
  const temp = `${path}.${holder.token}.tmp`;
  writeFileSync(temp, JSON.stringify(holder), { mode: 0o600, flag: "wx" });
  try {
    return linkNew(temp, path);
  } finally {
    ignoreErrors(() => unlinkSync(temp));
  }
}

/** `link(2)` of `temp` to `path`; false when `path` exists. */
function linkNew(temp: string, path: string): boolean {
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * A held per-thread writer lock: `<home>/.skein/locks/<threadId>.lock` (file 0600, directory
 * 0700) holding `{pid, hostname, startedAtMs, token}`. The file appears atomically with its
 * content, so it is never empty or partial.
 */
export class WriterLock {
  readonly path: string;
  readonly threadId: ThreadId;
  readonly holder: WriterLockHolder;
  /** Codex's lock on the same thread, held alongside in a Codex home (docs/codex-home-sync.md). */
  readonly #codex: CodexWriterLock | undefined;
  #released = false;

  private constructor(path: string, threadId: ThreadId, holder: WriterLockHolder, codex: CodexWriterLock | undefined) {
    this.path = path;
    this.threadId = threadId;
    this.holder = holder;
    this.#codex = codex;
  }

  /**
   * Takes the thread's writer lock.
   *
   * - A lock held by a live process → `ConflictError` naming the holder.
   * - A lock whose holder is dead (same host, no such pid) is taken over: the contender that
   *   holds `<lock>.takeover` removes it (after re-reading it: still that dead holder's file),
   *   then every contender tries to create the lock again, and `link(2)` lets one win.
   * - A lock without a readable holder (an older Skein killed mid-create) is waited for while
   *   younger than {@link UNREADABLE_LOCK_STALE_MS} (it may be being written), then taken over
   *   the same way.
   *
   * @throws ConflictError when a live writer holds the lock or it stays contended.
   * @throws InternalError when the lock directory or file cannot be written.
   */
  static async acquire(home: string, threadId: ThreadId, now: number = Date.now()): Promise<WriterLock> {
    const path = writerLockPath(home, threadId);
    try {
      mkdirSync(join(home, LOCKS_SUBDIR), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new InternalError(`cannot create lock directory: ${(error as Error).message}`, { cause: error });
    }
    const holder: WriterLockHolder = { pid: process.pid, hostname: hostname(), startedAtMs: now, token: randomUUID() };
    for (let attempt = 0; attempt < 50; attempt++) {
      let created: boolean;
      try {
        created = createWhole(path, holder);
      } catch (error) {
        throw new InternalError(`cannot create writer lock ${path}: ${(error as Error).message}`, { cause: error });
      }
      if (created) return WriterLock.#adopt(home, path, threadId, holder, isCodexHome(home));
      const state = await settledState(path);
      if (state.kind === "free") continue; // released between our create and our read: retry
      if (state.kind === "live") throw conflict(threadId, state.holder);
      if (state.kind === "unreadable" && state.ino === undefined) {
        throw new ConflictError(`thread ${threadId} has an unreadable writer lock (${path}): ${state.detail}`);
      }
      if (state.ino !== undefined) await removeStale(path, state.ino, state.kind === "stale" ? state.holder.token : undefined);
    }
    throw new ConflictError(`thread ${threadId} writer lock is contended; retry`);
  }

  /**
   * Takes the writer locks of many threads at once (storage care's batches, docs/locks.md). One
   * holder record serves them all: it is written once to a temp file that is then hard-linked to
   * each lock path, so each lock still appears whole (as with {@link acquire}) for one `link(2)`
   * each instead of a file written, linked and removed each. A thread whose lock exists goes
   * through {@link acquire} (a live holder: `ConflictError`; a dead or unreadable one: taken over).
   * Returns, in order, each thread's lock or the `ConflictError` that says why not.
   * @throws InternalError when the lock directory or a file cannot be written (no lock is then held).
   */
  static async acquireMany(home: string, threadIds: readonly ThreadId[], now: number = Date.now()): Promise<(WriterLock | ConflictError)[]> {
    if (threadIds.length === 0) return [];
    const dir = join(home, LOCKS_SUBDIR);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new InternalError(`cannot create lock directory: ${(error as Error).message}`, { cause: error });
    }
    const holder: WriterLockHolder = { pid: process.pid, hostname: hostname(), startedAtMs: now, token: randomUUID() };
    const codexHome = isCodexHome(home);
    const temp = `${writerLockPath(home, threadIds[0]!)}.${holder.token}.tmp`;
    const out: (WriterLock | ConflictError)[] = [];
    try {
      writeFileSync(temp, JSON.stringify(holder), { mode: 0o600, flag: "wx" });
      for (const threadId of threadIds) {
        const path = writerLockPath(home, threadId);
        if (!linkNew(temp, path)) {
          out.push(await WriterLock.acquire(home, threadId, now).catch((error: unknown) => {
            if (error instanceof ConflictError) return error;
            throw error;
          }));
          continue;
        }
        try {
          out.push(WriterLock.#adopt(home, path, threadId, holder, codexHome));
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          out.push(error);
        }
      }
    } catch (error) {
      for (const lock of out) if (lock instanceof WriterLock) lock.release();
      throw error instanceof InternalError || error instanceof ConflictError ? error : new InternalError(`cannot create writer locks in ${dir}: ${(error as Error).message}`, { cause: error });
    } finally {
      ignoreErrors(() => unlinkSync(temp));
    }
    return out;
  }

  /**
   * The lock file at `path` was just created for `holder`: it is registered for the exit hook and,
   * in a Codex home, Codex's own writer lock is taken too (a Codex process writing the thread
   * refuses us, and we refuse it). When Codex's lock cannot be had, our file goes again.
   * @throws ConflictError when a Codex process is the thread's writer.
   */
  static #adopt(home: string, path: string, threadId: ThreadId, holder: WriterLockHolder, codexHome: boolean): WriterLock {
    heldLocks.set(path, holder.token);
    installExitHook();
    try {
      return new WriterLock(path, threadId, holder, codexHome ? CodexWriterLock.acquire(home, threadId) : undefined);
    } catch (error) {
      heldLocks.delete(path);
      releaseIfOurs(path, holder.token);
      throw error;
    }
  }

  /** Releases the lock if it is still ours. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    heldLocks.delete(this.path);
    releaseIfOurs(this.path, this.holder.token);
    this.#codex?.release();
  }
}

/** The lock's state once an unreadable (possibly being written) lock is readable or old enough. */
async function settledState(path: string): Promise<LockState> {
  for (;;) {
    const state = inspectWriterLock(path);
    if (state.kind !== "unreadable" || state.ageMs >= UNREADABLE_LOCK_STALE_MS) return state;
    await sleep(Math.min(UNREADABLE_POLL_MS, UNREADABLE_LOCK_STALE_MS - state.ageMs));
  }
}

function conflict(threadId: ThreadId, holder: WriterLockHolder): ConflictError {
  return new ConflictError(`thread ${threadId} already has a live writer (${describeHolder(holder)})`, {
    holder: describeHolder(holder),
  });
}

/**
 * Removes the stale lock file `ino` (its holder dead, or unreadable and old). Removal is
 * serialized by a second lock, `<lock>.takeover`, created the same whole way: its holder alone
 * may remove the main lock, and re-reads it first, so a fresh lock another contender created
 * meanwhile is never removed. Creating the main lock needs no takeover lock (`link(2)` lets one
 * contender win). Returns after one attempt; the caller retries its create.
 */
async function removeStale(path: string, ino: number, deadToken: string | undefined): Promise<void> {
  const takeoverPath = `${path}.takeover`;
  const takeover: WriterLockHolder = { pid: process.pid, hostname: hostname(), startedAtMs: Date.now(), token: randomUUID() };
  if (!createWhole(takeoverPath, takeover)) {
    const other = inspectWriterLock(takeoverPath);
    // A takeover takes microseconds: one whose holder died (or that is unreadable and old) is removed.
    if (other.kind === "stale" || (other.kind === "unreadable" && other.ageMs >= UNREADABLE_LOCK_STALE_MS)) {
      if (other.ino !== undefined) removeIfSame(takeoverPath, other.ino);
    } else {
      await sleep(UNREADABLE_POLL_MS); // another contender is taking over: look again after it
    }
    return;
  }
  try {
    const now = inspectWriterLock(path);
    if (now.kind === "free" || now.kind === "live" || now.ino !== ino) return;
    if (deadToken !== undefined && (now.kind !== "stale" || now.holder.token !== deadToken)) return;
    removeIfSame(path, ino);
  } finally {
    releaseIfOurs(takeoverPath, takeover.token);
  }
}

/**
 * Removes the file at `path` if it is the file `ino`: renames it to a private aside name and
 * deletes that when it is the expected file; a different file moved by mistake is linked back.
 */
function removeIfSame(path: string, ino: number): void {
  const aside = `${path}.stale-${randomUUID()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // someone else removed it: retry create
    throw new InternalError(`cannot take over stale lock ${path}: ${(error as Error).message}`, { cause: error });
  }
  let movedIno: number | undefined;
  ignoreErrors(() => {
    movedIno = lstatSync(aside).ino;
  });
  if (movedIno !== ino) ignoreErrors(() => linkSync(aside, path));
  ignoreErrors(() => unlinkSync(aside));
}
