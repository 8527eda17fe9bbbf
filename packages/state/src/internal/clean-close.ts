import { readFileSync, statSync, writeFileSync } from "node:fs";

// `PRAGMA quick_check` reads the whole database: ~25-30 ms on a 10k-thread index, the largest
// single cost of opening it (a `skein list` process is ~150-250 ms in all). A file that nobody
// touched since this process closed it cleanly cannot have been damaged in between, so the
// last close leaves a marker with the file's identity, size and mtime (ns), and the next open
// skips the check while the file still matches it and no write-ahead log is pending. Any write
// since (another process, a crash mid-checkpoint, a byte editor, a copy over it) changes the
// mtime or the inode, and the check runs again.

/** The marker next to the database file. */
export const cleanMarkerPath = (path: string) => `${path}-clean`;

function identity(path: string): string | undefined {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : undefined;
}

/** Records that `path` was closed cleanly as it is now (best effort: a failure only costs a check). */
export function markCleanClose(path: string): void {
  try {
    const id = identity(path);
    if (id !== undefined && !walPending(path)) writeFileSync(cleanMarkerPath(path), id, { mode: 0o600 });
  } catch {
    // A read-only folder or a full disk: the next open runs the check.
  }
}

/** True when `path` is exactly as this or another Skein process left it at a clean close. */
export function unchangedSinceCleanClose(path: string): boolean {
  try {
    const id = identity(path);
    return id !== undefined && !walPending(path) && readFileSync(cleanMarkerPath(path), "utf8") === id;
  } catch {
    return false;
  }
}

function walPending(path: string): boolean {
  const wal = statSync(`${path}-wal`, { throwIfNoEntry: false });
  return wal !== undefined && wal.size > 0;
}
