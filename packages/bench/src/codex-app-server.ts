import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { BenchError } from "./errors.js";

const NATIVE: Readonly<Record<string, { pkg: string; triple: string }>> = {
  "linux-x64": { pkg: "@openai/codex-linux-x64", triple: "x86_64-unknown-linux-musl" },
  "linux-arm64": { pkg: "@openai/codex-linux-arm64", triple: "aarch64-unknown-linux-musl" },
};

/**
 * The native Codex 0.169.0 binary installed for `packages/interop` (or `$SKEIN_CODEX_BIN`),
 * or undefined when it is not installed. The native binary, not the Node launcher, so that
 * a process start measures Codex and not an extra Node.
 */
export function findCodexBinary(repoRoot: string): string | undefined {
  const override = process.env["SKEIN_CODEX_BIN"];
  if (override) return existsSync(override) ? override : undefined;
  try {
    const require = createRequire(join(repoRoot, "packages", "interop", "package.json"));
    const launcherRoot = dirname(realpathSync(require.resolve("@openai/codex/package.json")));
    const target = NATIVE[`${process.platform}-${process.arch}`];
    if (!target) return undefined;
    const platformRoot = dirname(createRequire(join(launcherRoot, "package.json")).resolve(`${target.pkg}/package.json`));
    const native = join(platformRoot, "vendor", target.triple, "bin", "codex");
    return existsSync(native) ? native : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why Codex cannot be run with no network at all (undefined when it can): it runs under
 * `unshare -n`, a private network namespace with nothing but a downed loopback, so it can
 * reach no host whatever its config says.
 */
export function offlineUnavailableReason(): string | undefined {
  const probe = spawnSync("unshare", ["-n", "true"], { encoding: "utf8" });
  if (probe.error) return `unshare is not available (${probe.error.message})`;
  if (probe.status !== 0) return `unshare -n failed: ${probe.stderr.trim() || `exit ${probe.status}`}`;
  return undefined;
}

/** Writes the `config.toml` that keeps Codex offline: provider on 127.0.0.1, no update check, no analytics. */
export function writeOfflineCodexConfig(codexHome: string): void {
  // Same settings as packages/interop's codexConfigToml (docs/codex-interop.md).
  mkdirSync(codexHome, { recursive: true });
  writeFileSync(
    join(codexHome, "config.toml"),
    [
      `model = "mock-model"`,
      `model_provider = "openai"`,
      `openai_base_url = "http://127.0.0.1:9/v1"`,
      `approval_policy = "never"`,
      `sandbox_mode = "danger-full-access"`,
      `check_for_update_on_startup = false`,
      "",
      "[analytics]",
      "enabled = false",
      "",
    ].join("\n"),
  );
}

/** Every source kind, so Codex lists what `skein list` lists (its default hides `exec`). */
const ALL_SOURCE_KINDS = ["cli", "vscode", "exec", "appServer", "subAgent", "subAgentReview", "subAgentCompact", "subAgentThreadSpawn", "subAgentOther", "unknown"];

/** A minimal JSON-RPC client of `codex app-server` over stdio, for timing `thread/list`. */
export class CodexAppServer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #stderr = "";

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    child.stderr.on("data", (chunk: Buffer) => (this.#stderr = (this.#stderr + chunk.toString()).slice(-2000)));
    createInterface({ input: child.stdout }).on("line", (line) => this.#onLine(line));
    child.once("exit", (code) => {
      for (const p of this.#pending.values()) p.reject(new BenchError(`codex app-server exited (${code}): ${this.#stderr.trim().slice(-300)}`));
      this.#pending.clear();
    });
  }

  /** Spawns `unshare -n <codex> app-server` with `CODEX_HOME=codexHome` and sends `initialize`. */
  static async start(binary: string, codexHome: string, workDir: string): Promise<CodexAppServer> {
    const child = spawn("unshare", ["-n", binary, "app-server"], {
      cwd: workDir,
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: workDir, CODEX_HOME: codexHome, OPENAI_API_KEY: "offline", TERM: "dumb", NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const server = new CodexAppServer(child);
    try {
      await server.request("initialize", { clientInfo: { name: "skein_bench", title: "Skein bench", version: "0.0.0" }, capabilities: { experimentalApi: true } });
    } catch (error) {
      // A Codex that never answered (a loaded machine: 120 s) must not outlive the bench.
      await server.close();
      throw error;
    }
    child.stdin.write(JSON.stringify({ method: "initialized" }) + "\n");
    return server;
  }

  /** Sends a request and resolves with its result. */
  request(method: string, params: unknown, timeoutMs = 120_000): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new BenchError(`codex app-server: ${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.#child.stdin.write(JSON.stringify({ id, method, params }) + "\n");
    });
  }

  /** The first `thread/list` page (50, newest updated first, every source and provider). */
  async firstPage(limit = 50): Promise<{ count: number; nextCursor: string | null }> {
    const page = (await this.request("thread/list", { limit, sortKey: "updated_at", sourceKinds: ALL_SOURCE_KINDS, modelProviders: [], cursor: null })) as {
      data: unknown[];
      nextCursor: string | null;
    };
    return { count: page.data.length, nextCursor: page.nextCursor };
  }

  #onLine(line: string): void {
    let message: { id?: number; result?: unknown; error?: { message?: string }; method?: string };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    if (message.id === undefined || message.method !== undefined) {
      // A server request (approval, tool call): none are expected while listing; refuse it.
      if (message.id !== undefined) this.#child.stdin.write(JSON.stringify({ id: message.id, error: { code: -32601, message: "not supported" } }) + "\n");
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.error) pending.reject(new BenchError(`codex app-server error: ${message.error.message ?? JSON.stringify(message.error)}`));
    else pending.resolve(message.result);
  }

  /** Ends stdin and waits for the process to exit (killing it after 5 s). */
  async close(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}
