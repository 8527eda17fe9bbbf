import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Design: docs/releases.md. Used by the packaging test and scripts/release-check.mjs.

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** A package of the workspace, as its manifest describes it. */
export interface WorkspacePackage {
  name: string;
  version: string;
  private: boolean;
  dir: string;
  manifest: Manifest;
}

/** The manifest fields the checks read. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: unknown;
  main?: string;
  types?: string;
  bin?: string | Record<string, string>;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Every package under `packages/`, sorted by name. */
export function workspacePackages(repoRoot: string = REPO_ROOT): WorkspacePackage[] {
  const root = join(repoRoot, "packages");
  return readdirSync(root)
    .map((entry) => join(root, entry))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
      return { name: manifest.name, version: manifest.version, private: manifest.private === true, dir, manifest };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A tarball made by `pnpm pack`, with its file list and the manifest as published. */
export interface PackedPackage {
  name: string;
  version: string;
  tarball: string;
  /** Paths inside the tarball, without the leading `package/`. */
  files: string[];
  manifest: Manifest;
}

/** Packs `pkg` with `pnpm pack` into `destination` (which must exist); the package must be built. */
export function packPackage(pkg: WorkspacePackage, destination: string): PackedPackage {
  const before = new Set(readdirSync(destination));
  execFileSync("pnpm", ["pack", "--pack-destination", destination], { cwd: pkg.dir, stdio: "pipe" });
  const made = readdirSync(destination).filter((name) => name.endsWith(".tgz") && !before.has(name));
  if (made.length !== 1) throw new Error(`pnpm pack of ${pkg.name} made ${made.length} tarballs in ${destination}`);
  const tarball = join(destination, made[0]!);
  const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.startsWith("package/") && !line.endsWith("/"))
    .map((line) => line.slice("package/".length));
  const manifest = JSON.parse(execFileSync("tar", ["-xzf", tarball, "-O", "package/package.json"], { encoding: "utf8" })) as Manifest;
  return { name: pkg.name, version: pkg.version, tarball, files, manifest };
}

/** Every file path a manifest promises: `exports` targets (every condition), `main`, `types`, `bin`. */
export function promisedFiles(manifest: Manifest): string[] {
  const targets: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === "string") targets.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  for (const single of [manifest.main, manifest.types]) if (single !== undefined) targets.push(single);
  if (typeof manifest.bin === "string") targets.push(manifest.bin);
  else if (manifest.bin) targets.push(...Object.values(manifest.bin));
  return [...new Set(targets.map((target) => target.replace(/^\.\//, "")))];
}

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[\w.]+)?$/;

/**
 * What is wrong with a packed public package, as a consumer would meet it (empty = nothing):
 * a promised file (export of any condition, main, types, bin) missing from the tarball, a `files`
 * entry that packed nothing, a `workspace:` range left in, a dependency on a private workspace
 * package, a workspace dependency that is not a caret range of its current version, or a
 * third-party dependency pinned to one exact version (which forces duplicates on consumers).
 */
export function packedPackageProblems(packed: PackedPackage, workspace: readonly WorkspacePackage[]): string[] {
  const problems: string[] = [];
  const files = new Set(packed.files);
  for (const target of promisedFiles(packed.manifest)) {
    if (!files.has(target)) problems.push(`promises ${target}, which is not in the tarball`);
  }
  for (const entry of packed.manifest.files ?? []) {
    const prefix = entry.replace(/^\.\//, "").replace(/\/$/, "");
    if (!packed.files.some((file) => file === prefix || file.startsWith(`${prefix}/`))) problems.push(`"files" lists ${entry}, which packed nothing`);
  }
  const byName = new Map(workspace.map((pkg) => [pkg.name, pkg]));
  const sections = ["dependencies", "peerDependencies", "optionalDependencies"] as const;
  for (const section of sections) {
    for (const [name, range] of Object.entries(packed.manifest[section] ?? {})) {
      const local = byName.get(name);
      if (range.startsWith("workspace:")) problems.push(`${section}.${name} is still ${range}`);
      else if (local?.private) problems.push(`${section}.${name} is a private workspace package, never published`);
      else if (local && range !== `^${local.version}`) problems.push(`${section}.${name} is ${range}, not ^${local.version}`);
      else if (!local && EXACT_VERSION.test(range)) problems.push(`${section}.${name} is pinned to ${range}: use a range (^${range})`);
    }
  }
  return problems;
}

/** The public packages' own `@skein` dependencies, transitively, in install order (deepest first). */
export function workspaceDependencyClosure(pkg: WorkspacePackage, workspace: readonly WorkspacePackage[]): WorkspacePackage[] {
  const byName = new Map(workspace.map((candidate) => [candidate.name, candidate]));
  const out: WorkspacePackage[] = [];
  const visit = (current: WorkspacePackage): void => {
    for (const name of Object.keys(current.manifest.dependencies ?? {})) {
      const dependency = byName.get(name);
      if (dependency && !out.includes(dependency)) {
        visit(dependency);
        if (!out.includes(dependency)) out.push(dependency);
      }
    }
  };
  visit(pkg);
  return out;
}
