import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Options of {@link withDirectoryLock}. */
export interface DirectoryLockOptions {
  /** Give up waiting after this long. Default 10 min. */
  readonly timeoutMs?: number;
  /** A lock older than this whose owner cannot be checked is taken over. Default 15 min. */
  readonly staleMs?: number;
  /** Called once when another process holds the lock and this one starts waiting. */
  readonly onWait?: (ownerPid: number | undefined) => void;
}

/**
 * Runs `fn` while holding the cross-process lock `lockDir` (created with `mkdir`, which is
 * atomic; the owner's pid is written inside). A lock whose owner process is gone, or that is
 * older than `staleMs`, is taken over. `fn` should re-check whether its work is still needed:
 * another process may have done it while this one waited.
 */
export async function withDirectoryLock<T>(lockDir: string, fn: () => Promise<T>, options: DirectoryLockOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  const staleMs = options.staleMs ?? 900_000;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, "owner"), `${process.pid}\n`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = ownerPid(lockDir);
    if (isAbandoned(lockDir, owner, staleMs)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!told) {
      told = true;
      options.onWait?.(owner);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockDir} (held by pid ${owner ?? "?"})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function ownerPid(lockDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(lockDir, "owner"), "utf8"), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAbandoned(lockDir: string, owner: number | undefined, staleMs: number): boolean {
  if (owner !== undefined) {
    try {
      process.kill(owner, 0);
      return false; // the owner is alive
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
    }
  }
  try {
    return Date.now() - statSync(lockDir).mtimeMs > staleMs; // no owner file yet: only when old
  } catch {
    return false; // just released: retry
  }
}
