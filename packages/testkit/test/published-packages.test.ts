import { execFile, execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  makeTempDir,
  packedPackageProblems,
  packPackage,
  promisedFiles,
  workspaceDependencyClosure,
  workspacePackages,
  type PackedPackage,
  type TempDir,
  type WorkspacePackage,
} from "../src/index.js";

// One `npm install` per layer, proven (docs/releases.md): every public package is packed once with
// `pnpm pack` (what `pnpm publish` would upload), installed alone — with the tarballs of its own
// @skein dependencies, third-party ones from the npm registry or cache — into an npm project
// outside the workspace, imported, and called once for real.

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const workspace = workspacePackages(REPO);
const publics = workspace.filter((pkg) => !pkg.private);

/**
 * The workspace's own compiled build of a native-addon package (better-sqlite3, fs-ext, …): its
 * version and `build/` folder, or undefined when `name` is not a native package here.
 */
function workspaceNativeBuild(name: string): { version: string; build: string } | undefined {
  const store = join(REPO, "node_modules", ".pnpm");
  for (const entry of readdirSync(store).filter((candidate) => candidate.startsWith(`${name.replace("/", "+")}@`))) {
    const dir = join(store, entry, "node_modules", name);
    if (!existsSync(join(dir, "binding.gyp")) || !existsSync(join(dir, "build"))) continue;
    return { version: (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version, build: join(dir, "build") };
  }
  return undefined;
}

describe("each public package, packed and installed alone with npm", () => {
  let scratch: TempDir;
  const packed = new Map<string, PackedPackage>();
  /** A home written by the packed CLI (`skein demo`): two threads, one named, a fork. */
  let home: string;
  /** Each public package's own npm project, by package name. */
  const projects = new Map<string, string>();

  /**
   * A fresh npm project holding `name` and its own @skein dependencies (their tarballs, as the
   * registry would serve them). Install scripts are off: nothing is downloaded or compiled; a
   * native addon the layers depend on (better-sqlite3, fs-ext) is installed at the workspace's
   * version and given the workspace's own build of it.
   */
  async function install(name: string): Promise<string> {
    const pkg = workspace.find((candidate) => candidate.name === name)!;
    const project = join(scratch.path, `project-${name.replace(/\W/g, "-")}`);
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "probe", private: true, type: "module" }));
    const layers: WorkspacePackage[] = [pkg, ...workspaceDependencyClosure(pkg, workspace)];
    const thirdParty = new Set(layers.flatMap((layer) => Object.keys(layer.manifest.dependencies ?? {})).filter((dep) => !dep.startsWith("@skein/")));
    const natives = [...thirdParty].flatMap((dep) => {
      const built = workspaceNativeBuild(dep);
      return built ? [{ name: dep, ...built }] : [];
    });
    const specs = [...layers.map((layer) => packed.get(layer.name)!.tarball), ...natives.map((native) => `${native.name}@${native.version}`)];
    await promisify(execFile)("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", ...specs], {
      cwd: project,
      env: { ...process.env, npm_config_workspaces: undefined, INIT_CWD: undefined },
    });
    for (const native of natives) cpSync(native.build, join(project, "node_modules", native.name, "build"), { recursive: true });
    return project;
  }

  /** The project `install` made for `name` in `beforeAll`. */
  function project(name: string): string {
    const made = projects.get(name);
    if (!made) throw new Error(`no npm project was installed for ${name}`);
    return made;
  }

  /** Runs an ES module in the project and returns what it printed as JSON. */
  function probe(project: string, code: string): unknown {
    writeFileSync(join(project, "probe.mjs"), code);
    return JSON.parse(execFileSync(process.execPath, ["probe.mjs"], { cwd: project, encoding: "utf8" }));
  }

  /** A private copy of the demo home for one probe. */
  function homeCopy(label: string): string {
    const copy = join(scratch.path, `home-${label}`);
    cpSync(home, copy, { recursive: true });
    return copy;
  }

  beforeAll(async () => {
    scratch = makeTempDir("skein-packaging-");
    const tarballs = join(scratch.path, "tarballs");
    mkdirSync(tarballs);
    for (const pkg of publics) packed.set(pkg.name, packPackage(pkg, tarballs));
    // The installs wait on npm and the network more than on the CPU: run them side by side.
    const made = await Promise.all(publics.map(async (pkg) => [pkg.name, await install(pkg.name)] as const));
    for (const [name, dir] of made) projects.set(name, dir);
    const cli = project("@skein/cli");
    home = join(scratch.path, "demo-home");
    execFileSync(join(cli, "node_modules", ".bin", "skein"), ["demo", "--home", home], { cwd: cli, stdio: "pipe" });
  });
  afterAll(() => scratch?.cleanup());

  it("finds the public packages, and each packs with what its manifest promises", () => {
    expect(publics.map((pkg) => pkg.name)).toEqual(expect.arrayContaining(["@skein/cli", "@skein/protocol", "@skein/rollout", "@skein/state", "@skein/thread-store"]));
    const problems = Object.fromEntries(publics.map((pkg) => [pkg.name, packedPackageProblems(packed.get(pkg.name)!, workspace)]));
    expect(problems).toEqual(Object.fromEntries(publics.map((pkg) => [pkg.name, []])));
    for (const pkg of publics) expect(promisedFiles(packed.get(pkg.name)!.manifest).length, pkg.name).toBeGreaterThan(0);
  });

  it("@skein/cli: the installed `skein` lists the home its demo wrote", () => {
    const cli = project("@skein/cli");
    const listed = JSON.parse(execFileSync(join(cli, "node_modules", ".bin", "skein"), ["list", "--home", home, "--json"], { encoding: "utf8" })) as {
      items: { name: string }[];
    };
    expect(listed.items.map((thread) => thread.name).sort()).toEqual(["weather demo", "weather demo (fork)"]);
  });

  it("@skein/cli: the installed `skein serve` serves the viewer's page from the package itself", async () => {
    const cli = project("@skein/cli");
    const child = spawn(join(cli, "node_modules", ".bin", "skein"), ["serve", "--home", home], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`skein serve exited with ${code}`)));
      });
      const first = await fetch(url, { redirect: "manual" });
      const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0]!;
      const page = await (await fetch(new URL("/", url), { headers: { cookie } })).text();
      const script = /<script type="module" crossorigin src="([^"]+)"/.exec(page)?.[1];
      expect(script).toMatch(/^\/assets\/index-[\w-]+\.js$/);
      const js = await fetch(new URL(script!, url));
      expect(js.status).toBe(200);
      expect(js.headers.get("content-type")).toContain("javascript");
      const threads = (await (await fetch(new URL("/api/threads", url), { headers: { cookie } })).json()) as { items: unknown[] };
      expect(threads.items).toHaveLength(2);
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("@skein/protocol: makes and recognises a thread id", () => {
    const dir = project("@skein/protocol");
    expect(probe(dir, `import { newThreadId, isThreadId } from "@skein/protocol";\nconsole.log(JSON.stringify(isThreadId(newThreadId())));\n`)).toBe(true);
  });

  it("@skein/rollout: reads a rollout's head and history, and pulls in no SQLite", () => {
    const dir = project("@skein/rollout");
    expect(existsSync(join(dir, "node_modules", "better-sqlite3"))).toBe(false);
    expect(readdirSync(join(dir, "node_modules")).filter((name) => /sqlite/i.test(name))).toEqual([]);
    const copy = homeCopy("rollout");
    const result = probe(
      dir,
      `import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadThreadHistory, readHeadSummary } from "@skein/rollout";
const home = ${JSON.stringify(copy)};
const files = readdirSync(join(home, "sessions"), { recursive: true }).filter((f) => String(f).endsWith(".jsonl")).map((f) => join(home, "sessions", String(f)));
const heads = files.map((path) => readHeadSummary(path));
const histories = await Promise.all(files.map((path) => loadThreadHistory({ home, path })));
console.log(JSON.stringify({ ids: heads.map((h) => h.id ?? h.threadId).filter(Boolean).length, lines: histories.map((h) => h.lines.length) }));
`,
    ) as { ids: number; lines: number[] };
    expect(result.ids).toBe(2);
    for (const count of result.lines) expect(count).toBeGreaterThan(3);
  });

  it("@skein/state: opens the index the CLI wrote and lists its rows", () => {
    const dir = project("@skein/state");
    const copy = homeCopy("state");
    const result = probe(
      dir,
      `import { StateDb } from "@skein/state";
const db = StateDb.open({ path: ${JSON.stringify(join(copy, "skein_state_1.sqlite"))} });
const page = db.listThreads({ pageSize: 10 });
db.close();
console.log(JSON.stringify(page.items.map((row) => row.name ?? null).sort()));
`,
    );
    expect(result).toEqual(["weather demo", "weather demo (fork)"]);
  });

  it("@skein/thread-store: lists a home", () => {
    const dir = project("@skein/thread-store");
    const copy = homeCopy("thread-store");
    const result = probe(
      dir,
      `import { LocalThreadStore } from "@skein/thread-store";
const store = await LocalThreadStore.open({ home: ${JSON.stringify(copy)} });
const { items } = await store.listThreads({ pageSize: 10 });
await store.close();
console.log(JSON.stringify(items.map((thread) => thread.name).sort()));
`,
    );
    expect(result).toEqual(["weather demo", "weather demo (fork)"]);
  });

  it("@skein/thread-store-postgres: copies a home's threads into another store with copyThreads", () => {
    const dir = project("@skein/thread-store-postgres");
    const copy = homeCopy("postgres");
    const result = probe(
      dir,
      `import { copyThreads, PostgresThreadStore } from "@skein/thread-store-postgres";
import { InMemoryThreadStore, LocalThreadStore } from "@skein/thread-store";
const from = await LocalThreadStore.open({ home: ${JSON.stringify(copy)} });
const to = new InMemoryThreadStore();
const result = await copyThreads({ from, to });
await from.close();
console.log(JSON.stringify({ copied: result.copied.length, failed: result.failed.length, store: typeof PostgresThreadStore.open }));
`,
    );
    expect(result).toEqual({ copied: 2, failed: 0, store: "function" });
  });

  it("@skein/core-session: resumes a thread with its history as the next model request", () => {
    const dir = project("@skein/core-session");
    const copy = homeCopy("core-session");
    const result = probe(
      dir,
      `import { ThreadManager } from "@skein/core-session";
import { LocalThreadStore } from "@skein/thread-store";
const store = await LocalThreadStore.open({ home: ${JSON.stringify(copy)} });
const [thread] = (await store.listThreads({ pageSize: 1 })).items;
const manager = new ThreadManager({ store, defaults: { modelProvider: "probe", cwd: ${JSON.stringify(copy)} } });
const session = await manager.resumeThread({ threadId: thread.threadId });
const request = session.nextModelRequest();
await manager.shutdownAll();
await store.close();
console.log(JSON.stringify({ input: request.input.length, tools: request.tools.map((tool) => tool.name) }));
`,
    ) as { input: number; tools: string[] };
    expect(result.input).toBeGreaterThan(2);
    expect(result.tools).toEqual(["lookup_weather"]);
  });

  it("@skein/model-openai: builds a model client on the openai SDK and reads a usage record", () => {
    const dir = project("@skein/model-openai");
    const result = probe(
      dir,
      `import { OpenAIResponsesModel, toModelUsage } from "@skein/model-openai";
const model = new OpenAIResponsesModel({ apiKey: "probe", baseURL: "http://127.0.0.1:9/v1" });
console.log(JSON.stringify({ client: model instanceof OpenAIResponsesModel, usage: toModelUsage({ input_tokens: 3, output_tokens: 5, total_tokens: 8 }) }));
`,
    ) as { client: boolean; usage: { inputTokens: number; outputTokens: number } };
    expect(result.client).toBe(true);
    expect(result.usage).toMatchObject({ inputTokens: 3, outputTokens: 5 });
  });

  it("covers every public package", () => {
    const probed = ["@skein/cli", "@skein/protocol", "@skein/rollout", "@skein/state", "@skein/thread-store", "@skein/thread-store-postgres", "@skein/core-session", "@skein/model-openai"];
    expect(publics.map((pkg) => pkg.name).sort()).toEqual(probed.sort());
  });
});
