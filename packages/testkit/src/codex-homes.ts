import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, type TempDir } from "./temp-dir.js";

// The Codex fixture homes are written by the real Codex binary at test time, by the interop
// package's maker, once per cache key (Codex version + scenario), and copied for each test.
// Design note: docs/codex-fixture-homes.md.

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const MAKER = join(REPO_ROOT, "packages", "interop", "dist", "fixture-homes", "cli.js");
const MAKER_SOURCES = join(REPO_ROOT, "packages", "interop", "src");
/** Set by {@link prepareCodexHomes} (a vitest globalSetup) for the test workers it starts. */
const DIR_ENV = "SKEIN_CODEX_HOMES_DIR";

/** Names of the Codex fixture homes. */
export const CODEX_HOMES = [
  "codexhome1",
  "codexhome2-premigrate",
  "codexhome2",
  "codexhome3-oldcli",
  "codexhome3-newcli-resumed",
  "codexhome3",
] as const;
export type CodexHomeName = (typeof CODEX_HOMES)[number];

/** `meta.json` of a set of homes, as interop's maker writes it (its `FixtureHomesMeta` types the ids). */
export interface CodexHomesMeta {
  /** `codex --version` of the binary that wrote them. */
  readonly codexVersion: string;
  /** Hash of the scenario (the maker's code, the mock's and the hand-written old-CLI home). */
  readonly scenarioHash: string;
  /** Where the homes were made: the prefix of the absolute paths in Codex's `*.sqlite*` files. */
  readonly madeIn: string;
  /** The sessions' working directory (`<cache>/codexwork`; it exists, unlike `madeIn`). */
  readonly workDir: string;
  /** Thread ids by role, per scenario home. */
  readonly ids: Readonly<Record<"1" | "2" | "3", Readonly<Record<string, string>>>>;
  /** How long making them took. */
  readonly makeSeconds: number;
}

/** The cache root: `$SKEIN_CODEX_HOMES_CACHE`, else `node_modules/.cache/skein-codex-homes`. */
export function codexHomesCacheDir(): string {
  return process.env["SKEIN_CODEX_HOMES_CACHE"] ?? join(REPO_ROOT, "node_modules", ".cache", "skein-codex-homes");
}

/**
 * Makes the homes (or finds them in the cache) and tells the test workers where they are.
 * Use as a vitest `globalSetup` (`@skein/testkit/codex-homes-setup`): it runs before any
 * worker starts, so no test waits on Codex inside a timeout.
 */
export async function prepareCodexHomes(): Promise<string> {
  const existing = process.env[DIR_ENV];
  if (existing && existsSync(join(existing, "meta.json"))) return existing;
  ensureMakerBuilt();
  const stdout = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAKER, "--cache", codexHomesCacheDir()], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`making the Codex fixture homes failed (exit ${code}); see the [codex-homes] lines above`))));
  });
  const dir = (JSON.parse(stdout) as { dir: string }).dir;
  process.env[DIR_ENV] = dir;
  return dir;
}

/** The directory of the current set of homes; makes it (blocking) when no globalSetup did. */
export function codexHomesDir(): string {
  const existing = process.env[DIR_ENV];
  if (existing && existsSync(join(existing, "meta.json"))) return existing;
  ensureMakerBuilt();
  const stdout = execFileSync(process.execPath, [MAKER, "--cache", codexHomesCacheDir()], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const dir = (JSON.parse(stdout) as { dir: string }).dir;
  process.env[DIR_ENV] = dir;
  return dir;
}

/** The set's `meta.json`: Codex version, thread ids by role, where it was made. */
export function codexHomesMeta(): CodexHomesMeta {
  return JSON.parse(readFileSync(join(codexHomesDir(), "meta.json"), "utf8")) as CodexHomesMeta;
}

/**
 * Copies a Codex fixture home into a fresh temp dir and returns the copy's path; the cached
 * original is never written. Codex's `*.sqlite*` files in the copy still name paths under
 * {@link CodexHomesMeta.madeIn} (which no longer exists), as in a home moved elsewhere.
 */
export function extractCodexHome(name: CodexHomeName): TempDir {
  const source = join(codexHomesDir(), name);
  const tmp = makeTempDir(`skein-${name}-`);
  cpSync(source, join(tmp.path, name), { recursive: true, preserveTimestamps: true });
  return { path: join(tmp.path, name), cleanup: tmp.cleanup };
}

/**
 * Thread ids by role: home 1 `H1_THREAD`; home 2 `T_A` … `T_P`, `T_F`; home 3 `T3_A`, `T3_B`.
 * The roles are described in interop's `src/fixture-homes/scenario.ts`.
 */
export function codexFixtureIds(home: 1 | 2 | 3): Record<string, string> {
  return { ...codexHomesMeta().ids[String(home) as "1" | "2" | "3"] };
}

/** Hand-written example lines per record kind (`examples/<set>/<kind>.jsonl`), in this package. */
export function codexExamplesDir(): string {
  return join(REPO_ROOT, "packages", "testkit", "fixtures", "examples");
}

/**
 * Builds the maker (interop and what its build references) when its `dist/` is missing or
 * older than its sources. `SKEIN_SKIP_TEST_BUILDS=1` (scripts/test.sh, after a full build)
 * trusts `dist/`.
 */
function ensureMakerBuilt(): void {
  if (existsSync(MAKER) && (process.env["SKEIN_SKIP_TEST_BUILDS"] === "1" || newestMtime(MAKER_SOURCES) <= statSync(MAKER).mtimeMs)) return;
  try {
    execFileSync("pnpm", ["turbo", "run", "build", "--filter=@skein/interop", "--output-logs=errors-only"], {
      cwd: REPO_ROOT,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
      stdio: "pipe",
    });
  } catch (error) {
    const output = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`building @skein/interop (the Codex fixture-home maker) failed:\n${output.stdout?.toString() ?? ""}${output.stderr?.toString() ?? ""}`);
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
