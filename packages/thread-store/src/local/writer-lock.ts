import { randomUUID } from "node:crypto";
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { ThreadId } from "@skein/protocol";
import { ConflictError, InternalError } from "../errors.js";
import type { WriterLockHolder } from "./types.js";

/** Where writer locks live, relative to the home. */
export const LOCKS_SUBDIR = join(".skein", "locks");

/** A lock file's state as seen by {@link inspectWriterLock}. */
export type LockState =
  | { kind: "free" }
  | { kind: "live"; holder: WriterLockHolder }
  | { kind: "stale"; holder: WriterLockHolder }
  | { kind: "unreadable"; detail: string };

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

/** Reads a lock file and classifies it (read-only; used by `checkHome` and catch-up). */
export function inspectWriterLock(path: string): LockState {
  let holder: ReturnType<typeof readHolder>;
  try {
    holder = readHolder(path);
  } catch (error) {
    return { kind: "unreadable", detail: (error as Error).message };
  }
  if (holder === "missing") return { kind: "free" };
  if (holder === undefined) return { kind: "unreadable", detail: "lock file is not a JSON holder record" };
  return isHolderDead(holder) ? { kind: "stale", holder } : { kind: "live", holder };
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

function writeExclusive(path: string, holder: WriterLockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * A held per-thread writer lock: `<home>/.skein/locks/<threadId>.lock`, created with `O_EXCL`
 * (file 0600, directory 0700) and holding `{pid, hostname, startedAtMs, token}`.
 */
export class WriterLock {
  readonly path: string;
  readonly threadId: ThreadId;
  readonly holder: WriterLockHolder;
  #released = false;

  private constructor(path: string, threadId: ThreadId, holder: WriterLockHolder) {
    this.path = path;
    this.threadId = threadId;
    this.holder = holder;
  }

  /**
   * Takes the thread's writer lock. A lock held by a live process → `ConflictError` naming the
   * holder. A lock whose holder is dead (same host, no such pid) is taken over: the stale file is
   * renamed aside (only one contender can win that rename), checked to still be the dead holder's,
   * and a fresh lock is created with `O_EXCL`.
   */
  static acquire(home: string, threadId: ThreadId, now: number = Date.now()): WriterLock {
    const path = writerLockPath(home, threadId);
    try {
      mkdirSync(join(home, LOCKS_SUBDIR), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new InternalError(`cannot create lock directory: ${(error as Error).message}`, { cause: error });
    }
    const holder: WriterLockHolder = { pid: process.pid, hostname: hostname(), startedAtMs: now, token: randomUUID() };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        if (writeExclusive(path, holder)) {
          heldLocks.set(path, holder.token);
          installExitHook();
          return new WriterLock(path, threadId, holder);
        }
      } catch (error) {
        throw new InternalError(`cannot create writer lock ${path}: ${(error as Error).message}`, { cause: error });
      }
      const state = inspectWriterLock(path);
      if (state.kind === "free") continue; // released between our create and our read: retry
      if (state.kind === "live") throw conflict(threadId, state.holder);
      if (state.kind === "unreadable") {
        // A half-written lock from a crash during create: only treat it as stale once it is old.
        throw new ConflictError(`thread ${threadId} has an unreadable writer lock (${path}); remove it if no writer runs`);
      }
      takeOver(path, state.holder);
    }
    throw new ConflictError(`thread ${threadId} writer lock is contended; retry`);
  }

  /** Releases the lock if it is still ours. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    heldLocks.delete(this.path);
    releaseIfOurs(this.path, this.holder.token);
  }
}

function conflict(threadId: ThreadId, holder: WriterLockHolder): ConflictError {
  return new ConflictError(`thread ${threadId} already has a live writer (${describeHolder(holder)})`, {
    holder: describeHolder(holder),
  });
}

/** Moves a dead holder's lock aside; if another contender replaced it meanwhile, puts it back. */
function takeOver(path: string, dead: WriterLockHolder): void {
  const aside = `${path}.stale-${randomUUID()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // someone else moved it: retry create
    throw new InternalError(`cannot take over stale lock ${path}: ${(error as Error).message}`, { cause: error });
  }
  const moved = readHolder(aside);
  if (moved !== "missing" && moved !== undefined && moved.token !== dead.token) {
    // We moved a fresh lock of a faster contender: restore it unless yet another one exists.
    try {
      linkSync(aside, path);
    } catch {
      // a newer lock exists already; ours to drop
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}
