/**
 * True when `error` (or any error in its `cause` chain) is SQLite reporting a damaged file or
 * a file that is not a database. Busy, permission and I/O errors are not corruption: moving a
 * healthy but locked database aside would throw away a good index.
 */
export function isCorruptionError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "state_db_corrupt") return true;
    if (typeof code === "string" && (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT"))) return true;
  }
  return false;
}
