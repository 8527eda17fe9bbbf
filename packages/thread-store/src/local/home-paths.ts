import { lstat, realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { InvalidRequestError } from "../errors.js";

/** True when `child` is `parent` or lies below it (both resolved, no `..` escape). */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
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

/**
 * Resolves a caller-given rollout path: relative paths against the home; it must be a regular
 * file (a symlink is followed only when it stays inside the home).
 * @throws InvalidRequestError naming the problem
 */
export async function resolveRolloutPathParam(home: string, path: string): Promise<string> {
  if (typeof path !== "string" || path.length === 0) throw new InvalidRequestError("rolloutPath must be a non-empty string");
  const abs = resolve(home, path);
  const link = await lstat(abs).catch(() => undefined);
  if (!link) throw new InvalidRequestError(`no rollout file at ${path}`);
  if (link.isSymbolicLink()) await assertInsideHome(home, abs);
  const st = await stat(abs).catch(() => undefined);
  if (!st?.isFile()) throw new InvalidRequestError(`rollout path ${path} is not a regular file`);
  return abs;
}
