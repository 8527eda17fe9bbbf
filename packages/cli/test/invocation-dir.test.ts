import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { invocationDir } from "../src/invocation-dir.js";
import { useDemoHome } from "./helpers/demo-home.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

describe("invocationDir", () => {
  const script = { npm_lifecycle_event: "skein", npm_package_json: "/repo/package.json" };

  it("is the working directory outside a package script", () => {
    expect(invocationDir({}, "/w")).toBe("/w");
    expect(invocationDir({ INIT_CWD: "/typed/here" }, "/w")).toBe("/w");
  });

  it("is INIT_CWD while this process is the package script, run in the package's directory", () => {
    expect(invocationDir({ ...script, INIT_CWD: "/typed/here" }, "/repo")).toBe("/typed/here");
    expect(invocationDir({ npm_lifecycle_event: "skein", INIT_CWD: "/typed/here" }, "/repo")).toBe("/typed/here");
  });

  it("keeps the working directory when the script moved elsewhere or INIT_CWD is not an absolute path", () => {
    expect(invocationDir({ ...script, INIT_CWD: "/typed/here" }, "/repo/sub")).toBe("/repo/sub");
    expect(invocationDir({ ...script, INIT_CWD: "relative" }, "/repo")).toBe("/repo");
    expect(invocationDir({ ...script, INIT_CWD: "" }, "/repo")).toBe("/repo");
  });
});

/** `pnpm --dir <repo> skein …` typed in `cwd`: the README's way to run the CLI from a clone. */
function pnpmSkein(args: readonly string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = {};
  const merged = { ...process.env, SKEIN_HOME: undefined, CODEX_HOME: undefined, INIT_CWD: undefined, npm_lifecycle_event: undefined, NO_COLOR: "1" };
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = value;
  const result = spawnSync("pnpm", ["--dir", REPO, "skein", ...args], { cwd, env, encoding: "utf8" });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("relative paths through `pnpm skein` typed in another directory", () => {
  // The demo's threads record the home as their cwd.
  const demo = useDemoHome("skein-cli-initcwd-");

  it("--home . and --cwd . mean the directory the user typed the command in, not the repository", () => {
    const result = pnpmSkein(["list", "--home", ".", "--cwd", ".", "--json"], demo.home);
    expect(result.code, result.stderr).toBe(0);
    const items = (JSON.parse(result.stdout) as { items: { cwd: string }[] }).items;
    expect(items).toHaveLength(2);
    expect(new Set(items.map((thread) => thread.cwd))).toEqual(new Set([demo.home]));
  });

  it("--cwd . from elsewhere filters on that directory (and finds nothing there)", () => {
    const elsewhere = join(demo.dir, "elsewhere");
    mkdirSync(elsewhere);
    const result = pnpmSkein(["list", "--home", "../home", "--cwd", ".", "--json"], elsewhere);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ items: [], nextCursor: null });
  });

  it("export --to a relative directory writes next to where the user typed it", () => {
    const result = pnpmSkein(["export", "--home", "home", "--to", "backup"], demo.dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`exported 2 threads (0 skipped, 0 failed) to ${join(demo.dir, "backup")}\n`);
  });
});
