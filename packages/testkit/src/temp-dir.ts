import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A directory that `cleanup()` removes. */
export interface TempDir {
  path: string;
  cleanup(): void;
}

/** Makes a fresh temporary directory (mode 0700). */
export function makeTempDir(prefix = "skein-test-"): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
