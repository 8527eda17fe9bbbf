import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CODEX_HOMES, type CodexHomeName, type CodexHomesMeta } from "@skein/testkit";
import { findCodexBinary } from "../codex-binary.js";
import { codexConfigToml } from "../codex-config.js";
import { CodexRunner } from "../codex-runner.js";
import { withDirectoryLock } from "./cache-lock.js";
import { makeHome1, makeHome2, migrateRollouts, resumeOldHome, snapshotHome, writeIdsEnv, type FixtureIds } from "./scenario.js";

// Design note: docs/codex-fixture-homes.md (what each home holds, the cache, absolute paths).

/** The homes, in the order they are made (their names and `meta.json` are testkit's, which reads them). */
export const FIXTURE_HOME_NAMES = CODEX_HOMES;
export type FixtureHomeName = CodexHomeName;

/** `meta.json` of a finished set of homes: testkit's {@link CodexHomesMeta}, with the ids by role typed. */
export interface FixtureHomesMeta extends CodexHomesMeta {
  /** Thread ids by role: `ids[1].H1_THREAD`, `ids[2].T_A`, `ids[3].T3_A`, … */
  readonly ids: Readonly<Record<"1" | "2" | "3", FixtureIds>>;
}

/** Options of {@link ensureCodexFixtureHomes}. */
export interface EnsureFixtureHomesOptions {
  /** The cache root; a set lives in `<cacheDir>/<key>/`. */
  readonly cacheDir: string;
  /** Progress lines (e.g. "waiting for pid 123"). */
  readonly log?: (line: string) => void;
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** The hand-written home of Codex 0.100.0 (that CLI is not installed): `fixtures/codexhome3-oldcli`. */
export const OLD_CLI_HOME = resolve(HERE, "../../fixtures/codexhome3-oldcli");

/**
 * Returns the directory of a finished set of fixture homes for the installed Codex and this
 * scenario, making it first when the cache has none. Many processes may call this at once:
 * one makes the set (under a lock), the others wait for it.
 */
export async function ensureCodexFixtureHomes(options: EnsureFixtureHomesOptions): Promise<{ dir: string; meta: FixtureHomesMeta }> {
  const codexVersion = codexVersionOf(findCodexBinary());
  const scenarioHash = hashScenario();
  const key = `${codexVersion.replace(/[^A-Za-z0-9.]+/g, "-")}-${scenarioHash.slice(0, 16)}`;
  const dir = join(options.cacheDir, key);
  const finished = () => (existsSync(join(dir, "meta.json")) ? { dir, meta: JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as FixtureHomesMeta } : undefined);
  const ready = finished();
  if (ready) return ready;
  mkdirSync(options.cacheDir, { recursive: true });
  return withDirectoryLock(
    `${dir}.lock`,
    async () => {
      const done = finished();
      if (done) return done;
      const building = `${dir}.building-${process.pid}`;
      rmSync(building, { recursive: true, force: true });
      mkdirSync(building, { recursive: true });
      try {
        const started = Date.now();
        options.log?.(`making Codex fixture homes with ${codexVersion} in ${building}`);
        const ids = await makeAll(building, join(options.cacheDir, "codexwork"));
        const meta: FixtureHomesMeta = { codexVersion, scenarioHash, madeIn: building, workDir: join(options.cacheDir, "codexwork"), ids, makeSeconds: (Date.now() - started) / 1000 };
        writeFileSync(join(building, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
        renameSync(building, dir);
        options.log?.(`Codex fixture homes ready in ${meta.makeSeconds.toFixed(1)} s: ${dir}`);
        return { dir, meta };
      } catch (error) {
        rmSync(building, { recursive: true, force: true });
        throw error;
      }
    },
    { onWait: (pid) => options.log?.(`waiting for pid ${pid ?? "?"}, which is making the Codex fixture homes`) },
  );
}

async function makeAll(root: string, workDir: string): Promise<FixtureHomesMeta["ids"]> {
  const home = (name: FixtureHomeName) => join(root, name);
  const one = await withRunner(workDir, home("codexhome1"), makeHome1);
  const two = await withRunner(workDir, home("codexhome2"), async (codex) => {
    const ids = await makeHome2(codex);
    snapshotHome(home("codexhome2"), home("codexhome2-premigrate"));
    await migrateRollouts(codex);
    return ids;
  });
  cpSync(OLD_CLI_HOME, home("codexhome3-oldcli"), { recursive: true });
  // The old CLI's own config (no mock is listening for this home: nothing runs in it).
  writeFileSync(join(home("codexhome3-oldcli"), "config.toml"), codexConfigToml({ port: 9 }));
  const three = oldCliIds(home("codexhome3-oldcli"));
  cpSync(OLD_CLI_HOME, home("codexhome3"), { recursive: true });
  await withRunner(workDir, home("codexhome3"), async (codex) => {
    await resumeOldHome(codex, three);
    snapshotHome(home("codexhome3"), home("codexhome3-newcli-resumed"));
    await codex.run(["migrate-rollouts", "--apply"], "migrate-rollouts --apply");
  });
  writeIdsEnv(join(root, "ids-home1.env"), one);
  writeIdsEnv(join(root, "ids-home2.env"), two);
  writeIdsEnv(join(root, "ids-home3.env"), three);
  return { "1": one, "2": two, "3": three };
}

async function withRunner<T>(workDir: string, codexHome: string, fn: (codex: CodexRunner) => Promise<T>): Promise<T> {
  // get_goal takes no arguments (the mock's default for other tools is {"key":"alpha"}).
  const codex = await CodexRunner.start({ codexHome, workDir, mock: { toolArguments: { get_goal: {} } } });
  try {
    return await fn(codex);
  } finally {
    await codex.close();
  }
}

/** T3_A (exec, resumed with `--last`) and T3_B (exec with a tool call), oldest first. */
function oldCliIds(home: string): FixtureIds {
  const ids = rolloutFiles(join(home, "sessions"))
    .map((p) => p.slice(p.lastIndexOf("/") + 1))
    .sort()
    .map((p) => /([0-9a-f-]{36})\.jsonl$/.exec(p)![1]!);
  return { T3_A: ids[0]!, T3_B: ids[1]! };
}

function rolloutFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? rolloutFiles(path) : name.endsWith(".jsonl") ? [path] : [];
  });
}

function codexVersionOf(binary: string): string {
  const [command, args] = binary.endsWith(".js") ? [process.execPath, [binary, "--version"]] : [binary, ["--version"]];
  return execFileSync(command, args, { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" }, timeout: 30_000 }).trim();
}

/** Hash of everything that decides what the homes hold. */
function hashScenario(): string {
  const hash = createHash("sha256");
  const files = [
    ...["scenario", "make-homes"].map((n) => join(HERE, `${n}${extensionOfThisModule()}`)),
    join(HERE, "..", `mock-responses-server${extensionOfThisModule()}`),
    join(HERE, "..", `codex-config${extensionOfThisModule()}`),
    ...rolloutFiles(join(OLD_CLI_HOME, "sessions")).sort(),
  ];
  for (const file of files) hash.update(file.slice(file.lastIndexOf("/") + 1)).update(readFileSync(file));
  return hash.digest("hex");
}

function extensionOfThisModule(): string {
  return fileURLToPath(import.meta.url).endsWith(".ts") ? ".ts" : ".js";
}
