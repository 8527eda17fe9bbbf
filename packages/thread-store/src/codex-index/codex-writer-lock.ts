import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import fsExt from "fs-ext";
import type { ThreadId } from "@skein/protocol";
import { ConflictError, InternalError } from "../errors.js";
import { hasCodexStateDb } from "./codex-state-db.js";

// Codex 0.169's cross-process writer lock, as observed (strace of `codex exec resume`; docs/
// codex-home-sync.md): under `<home>/thread-writer-locks/`, it takes flock(LOCK_EX|LOCK_NB) on
// `.coordination.lock`, creates/opens `<thread-id>.lock` (empty, 0666 & umask), takes
// flock(LOCK_EX|LOCK_NB) on it — failing with "thread <id> already has an active writer" — and
// releases the coordination lock. The thread lock is held for the writer's whole life and is
// dropped by the kernel when the process exits, however it exits; lock files are never deleted.
// Skein does exactly the same, so each program sees the other's writer as its own kind.

/** The folder of Codex's writer locks, in the home. */
export const CODEX_WRITER_LOCKS_SUBDIR = "thread-writer-locks";
const COORDINATION_LOCK = ".coordination.lock";

/** How long the (microseconds-long) coordination lock is waited for before giving up. */
const COORDINATION_WAIT_MS = 2000;
const COORDINATION_POLL_MS = 5;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number): void => {
  Atomics.wait(sleeper, 0, 0, ms);
};

function isBusy(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "EAGAIN" || code === "EWOULDBLOCK";
}

/** True when the home is one Codex 0.169 uses: it has Codex's state DB or its writer-lock folder. */
export function isCodexHome(home: string): boolean {
  return hasCodexStateDb(home) || existsSync(join(home, CODEX_WRITER_LOCKS_SUBDIR));
}

/** Path of Codex's writer lock for a thread (the id must already be validated). */
export function codexWriterLockPath(home: string, threadId: ThreadId): string {
  return join(home, CODEX_WRITER_LOCKS_SUBDIR, `${threadId}.lock`);
}

function codexConflict(threadId: ThreadId): ConflictError {
  return new ConflictError(`thread ${threadId} already has an active writer (a Codex process holds ${CODEX_WRITER_LOCKS_SUBDIR}/${threadId}.lock)`, {
    holder: "a Codex process",
  });
}

/** Runs `fn` holding Codex's coordination lock, as Codex does around taking a thread lock. */
function withCoordination<T>(home: string, fn: () => T): T {
  const dir = join(home, CODEX_WRITER_LOCKS_SUBDIR);
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, COORDINATION_LOCK), "a+");
  try {
    const deadline = Date.now() + COORDINATION_WAIT_MS;
    for (;;) {
      try {
        fsExt.flockSync(fd, "exnb");
        break;
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (Date.now() >= deadline) throw new ConflictError(`Codex's writer-lock coordination lock in ${dir} stays held; retry`);
        sleepSync(COORDINATION_POLL_MS);
      }
    }
    return fn();
  } finally {
    closeSync(fd); // closing drops the flock
  }
}

/**
 * A held Codex writer lock: the open, flocked `thread-writer-locks/<id>.lock`. Release closes
 * it (the file stays, as Codex leaves it).
 */
export class CodexWriterLock {
  readonly path: string;
  #fd: number | undefined;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /**
   * Takes Codex's writer lock for the thread (the caller checked {@link isCodexHome}: in any
   * other home there is nothing of Codex's to honour).
   * @throws ConflictError when a Codex process (or another Skein) is the thread's writer.
   * @throws InternalError when the lock folder or file cannot be used.
   */
  static acquire(home: string, threadId: ThreadId): CodexWriterLock {
    const path = codexWriterLockPath(home, threadId);
    try {
      return withCoordination(home, () => {
        const fd = openSync(path, "a+");
        try {
          fsExt.flockSync(fd, "exnb");
        } catch (error) {
          closeSync(fd);
          if (isBusy(error)) throw codexConflict(threadId);
          throw error;
        }
        return new CodexWriterLock(path, fd);
      });
    } catch (error) {
      if (error instanceof ConflictError) throw error;
      throw new InternalError(`cannot take Codex's writer lock ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Releases the lock. Idempotent. */
  release(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // already closed: the kernel dropped the lock with it
    }
  }
}

/**
 * True when a Codex process is writing the thread now: its lock file exists and is flocked.
 * Probes the way Codex does (under the coordination lock, for an instant); never creates the
 * thread's lock file.
 */
export function isCodexWriterActive(home: string, threadId: ThreadId): boolean {
  const path = codexWriterLockPath(home, threadId);
  if (!existsSync(path)) return false;
  try {
    return withCoordination(home, () => {
      let fd: number;
      try {
        fd = openSync(path, "r");
      } catch {
        return false;
      }
      try {
        fsExt.flockSync(fd, "exnb");
        return false;
      } catch (error) {
        if (isBusy(error)) return true;
        throw error;
      } finally {
        closeSync(fd);
      }
    });
  } catch (error) {
    if (error instanceof ConflictError) return true; // the coordination lock stays held: someone is taking a lock
    return false;
  }
}

/** @throws ConflictError when a Codex process is the thread's writer. */
export function assertNoCodexWriter(home: string, threadId: ThreadId): void {
  if (isCodexWriterActive(home, threadId)) throw codexConflict(threadId);
}
