import { createHash } from "node:crypto";
import { lstatSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * Every entry under `dir` with its type, mode, size and content hash: two equal snapshots mean
 * nothing was created, changed or removed there.
 */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string) => {
    const st = lstatSync(path);
    const rel = relative(dir, path) || ".";
    if (st.isDirectory()) {
      out[rel] = `dir ${(st.mode & 0o777).toString(8)}`;
      for (const name of readdirSync(path).sort()) walk(join(path, name));
    } else if (st.isFile()) {
      out[rel] = `file ${(st.mode & 0o777).toString(8)} ${st.size} ${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
    } else {
      out[rel] = `other ${st.mode.toString(8)}`;
    }
  };
  walk(dir);
  return out;
}
