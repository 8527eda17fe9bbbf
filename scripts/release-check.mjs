// The release check (.ci/run runs it through scripts/release-check.sh, before the tests): proves a
// release made from this tree would be right, without publishing anything.
//  1. In a throwaway copy of the repository, `changeset version` bumps (and writes changelogs for)
//     public packages only: private workspace packages (bench, interop, torture, testkit) keep their
//     version and get no CHANGELOG.md (.changeset/config.json `privatePackages`).
//  2. `pnpm publish -r --dry-run` accepts every public package, and only those.
//  3. Each public package packs (`pnpm pack`) with what its manifest promises: every `exports`
//     target (any condition), `main`, `types` and `bin` in the tarball, every `files` entry packing
//     something, workspace dependencies as caret ranges, no private or exactly-pinned dependencies.
// Needs a built tree (release-check.sh builds). Design: docs/releases.md.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { packedPackageProblems, packPackage, workspacePackages } from "../packages/testkit/dist/packaging.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const problems = [];
const scratch = mkdtempSync(join(tmpdir(), "skein-release-check-"));
try {
  const workspace = workspacePackages(repo);
  const publics = workspace.filter((pkg) => !pkg.private);

  // 1. changeset version in a copy: the files git would have (tracked and new), no node_modules.
  const copy = join(scratch, "repo");
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repo, encoding: "utf8" });
  for (const file of listed.split("\0").filter(Boolean)) {
    if (existsSync(join(repo, file))) cpSync(join(repo, file), join(copy, file));
  }
  symlinkSync(join(repo, "node_modules"), join(copy, "node_modules"));
  execFileSync(process.execPath, [join(repo, "node_modules", "@changesets", "cli", "bin.js"), "version"], { cwd: copy, stdio: "pipe" });
  const bumped = [];
  for (const after of workspacePackages(copy)) {
    const before = workspace.find((pkg) => pkg.name === after.name);
    const changelog = existsSync(join(after.dir, "CHANGELOG.md")) && !existsSync(join(repo, relative(copy, after.dir), "CHANGELOG.md"));
    const changed = before === undefined || before.version !== after.version || changelog;
    if (after.private && changed) problems.push(`changeset version touched the private package ${after.name} (${before?.version} -> ${after.version}${changelog ? ", new CHANGELOG.md" : ""})`);
    if (!after.private && before && before.version !== after.version) bumped.push(`${after.name} ${before.version} -> ${after.version}`);
  }

  // 2. pnpm publish --dry-run: every public package, nothing else.
  const dryRun = execFileSync("pnpm", ["publish", "-r", "--dry-run", "--no-git-checks"], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const offered = [...dryRun.matchAll(/(@skein\/[\w-]+)@\d/g)].map((match) => match[1]);
  for (const pkg of publics) if (!offered.includes(pkg.name)) problems.push(`pnpm publish -r --dry-run does not offer ${pkg.name}`);
  for (const name of new Set(offered)) {
    if (!publics.some((pkg) => pkg.name === name)) problems.push(`pnpm publish -r --dry-run would publish ${name}, which is private`);
  }

  // 3. pack each public package and hold it to its manifest.
  const tarballs = join(scratch, "tarballs");
  mkdirSync(tarballs);
  for (const pkg of publics) {
    for (const problem of packedPackageProblems(packPackage(pkg, tarballs), workspace)) problems.push(`${pkg.name}: ${problem}`);
  }

  if (problems.length > 0) {
    console.error(`release check: ${problems.length} problem(s):\n${problems.map((line) => `  - ${line}`).join("\n")}`);
    process.exitCode = 1;
  } else {
    console.log(
      `release check: ok (${publics.length} public packages pack as their manifests promise; ` +
        `changeset version bumps ${bumped.length > 0 ? bumped.join(", ") : "nothing"}; private packages untouched)`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
