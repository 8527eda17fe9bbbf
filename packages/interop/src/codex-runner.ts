import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppServerClient, type AppServerClientOptions } from "./app-server-client.js";
import { codexConfigToml, MOCK_KEY_ENV } from "./codex-config.js";
import { findCodexBinary } from "./codex-binary.js";
import { CodexOutputError } from "./errors.js";
import { runProcess, type ProcessOutput } from "./internal/run-process.js";
import { MockResponsesServer, type MockResponsesServerOptions } from "./mock-responses-server.js";
import { NetworkSandbox, type CommandLine } from "./network-sandbox.js";

/** Options of {@link CodexRunner.start}. */
export interface CodexRunnerOptions {
  /** Use this directory as `CODEX_HOME` (created if missing) instead of a fresh temp one. */
  readonly codexHome?: string;
  /** The working directory of every call (created if missing) instead of a fresh temp one. */
  readonly workDir?: string;
  /** The provider id the mock is registered under (see {@link codexConfigToml}). Default `mock`. */
  readonly provider?: string;
  /** Deadline of each Codex call. Default 60 s. */
  readonly timeoutMs?: number;
  /** Passed to the mock. */
  readonly mock?: Omit<MockResponsesServerOptions, "socketPath">;
  /** See {@link NetworkSandbox}. */
  readonly disableNamespace?: boolean;
}

/** One event of `codex exec --json` (JSONL on stdout). */
export type ExecEvent = { type: string } & Record<string, unknown>;

/** The outcome of a `codex exec` family call. */
export interface ExecResult extends ProcessOutput {
  /** The thread the call ran (from the `thread.started` event). */
  readonly threadId: string;
  /** Texts of the `agent_message` items, in order. */
  readonly agentMessages: readonly string[];
  readonly events: readonly ExecEvent[];
}

/** Where a resume finds its thread: an id, a name, or the most recent thread. */
export type ResumeTarget = string | { readonly last: true };

/**
 * Runs the real Codex CLI offline: a temp `HOME`, a `CODEX_HOME` whose `config.toml` points at
 * a {@link MockResponsesServer}, a temp non-git work dir, a loopback-only network namespace
 * when possible, a scrubbed environment (no `OPENAI_API_KEY`, no `CODEX_*`), stdin
 * `/dev/null`, and a deadline on every call (the process group is killed on expiry).
 *
 * @example
 * const codex = await CodexRunner.start();
 * const { threadId } = await codex.exec("say hi");
 * await codex.execResume(threadId, "again");
 * await codex.close();
 */
export class CodexRunner {
  readonly #root: string;
  readonly #ownsRoot: boolean;
  readonly #binary: string;
  readonly #timeoutMs: number;
  readonly #clients = new Set<AppServerClient>();
  /** The mock model server; its `requests` show what Codex sent. */
  readonly mock: MockResponsesServer;
  /** The network namespace Codex runs in. */
  readonly sandbox: NetworkSandbox;
  /** `CODEX_HOME` of every call. */
  readonly codexHome: string;
  /** `HOME` of every call (a temp dir, so nothing reads the real user's files). */
  readonly home: string;
  /** The working directory of every call (not a git repository; a temp dir unless given). */
  readonly workDir: string;
  #provider: string;

  private constructor(fields: {
    root: string;
    ownsRoot: boolean;
    binary: string;
    timeoutMs: number;
    mock: MockResponsesServer;
    sandbox: NetworkSandbox;
    codexHome: string;
    provider: string;
    workDir: string;
  }) {
    this.#root = fields.root;
    this.#ownsRoot = fields.ownsRoot;
    this.#binary = fields.binary;
    this.#timeoutMs = fields.timeoutMs;
    this.mock = fields.mock;
    this.sandbox = fields.sandbox;
    this.codexHome = fields.codexHome;
    this.home = join(fields.root, "home");
    this.workDir = fields.workDir;
    this.#provider = fields.provider;
  }

  /** Creates the temp dirs, starts the mock and the sandbox, and writes `config.toml`. */
  static async start(options: CodexRunnerOptions = {}): Promise<CodexRunner> {
    const binary = findCodexBinary();
    const root = mkdtempSync(join(tmpdir(), "skein-interop-"));
    for (const dir of ["home", "work"]) mkdirSync(join(root, dir));
    const codexHome = options.codexHome ?? join(root, "codex-home");
    mkdirSync(codexHome, { recursive: true });
    const workDir = options.workDir ?? join(root, "work");
    mkdirSync(workDir, { recursive: true });
    const mock = await MockResponsesServer.start({ ...options.mock, socketPath: join(root, "mock.sock") });
    let sandbox: NetworkSandbox;
    try {
      sandbox = await NetworkSandbox.open({ socketPath: join(root, "mock.sock"), ...(options.disableNamespace === undefined ? {} : { disableNamespace: options.disableNamespace }) });
    } catch (error) {
      await mock.close();
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
    const runner = new CodexRunner({
      root,
      ownsRoot: true,
      binary,
      timeoutMs: options.timeoutMs ?? 60_000,
      mock,
      sandbox,
      codexHome,
      provider: options.provider ?? "mock",
      workDir,
    });
    runner.setProvider(runner.#provider);
    return runner;
  }

  /** The provider id the mock is currently registered under. */
  get provider(): string {
    return this.#provider;
  }

  /** Rewrites `config.toml` so that the mock is registered under `provider`. */
  setProvider(provider: string): void {
    this.#provider = provider;
    writeFileSync(join(this.codexHome, "config.toml"), codexConfigToml({ port: this.sandbox.port, provider }));
  }

  /** The environment of every Codex process: nothing inherited but `PATH`. */
  env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: this.home,
      CODEX_HOME: this.codexHome,
      [MOCK_KEY_ENV]: "dummy-mock-key",
      // The built-in openai provider reads its key from here; only ever sent to the mock.
      ...(this.#provider === "openai" ? { OPENAI_API_KEY: "dummy-mock-key" } : {}),
      TERM: "dumb",
      NO_COLOR: "1",
    };
  }

  /** The full command line of `codex <args>`, inside the sandbox. */
  commandLine(args: readonly string[]): CommandLine {
    const [command, prefix] = this.#binary.endsWith(".js") ? [process.execPath, [this.#binary]] : [this.#binary, []];
    return this.sandbox.wrap(command, [...prefix, ...args]);
  }

  /** Runs `codex <args>` to completion. @throws CodexExitError, CodexTimeoutError */
  run(args: readonly string[], label = args[0] ?? "", timeoutMs = this.#timeoutMs): Promise<ProcessOutput> {
    return runProcess(this.commandLine(args), { env: this.env(), cwd: this.workDir, timeoutMs, label });
  }

  /** `codex exec --skip-git-repo-check --json <prompt>`: a new thread with one turn. */
  async exec(prompt: string): Promise<ExecResult> {
    return this.#execJson(["exec", "--skip-git-repo-check", "--json", prompt], "exec");
  }

  /** `codex exec … resume <id|name> <prompt>` or `resume --last <prompt>`: appends a turn. */
  async execResume(target: ResumeTarget, prompt: string): Promise<ExecResult> {
    const which = typeof target === "string" ? [target] : ["--last"];
    return this.#execJson(["exec", "--skip-git-repo-check", "--json", "resume", ...which, prompt], "exec resume");
  }

  /** `codex exec … fork <id> <prompt>`: a new thread forked from `threadId`, with one turn. */
  async execFork(threadId: string, prompt: string): Promise<ExecResult> {
    return this.#execJson(["exec", "--skip-git-repo-check", "--json", "fork", threadId, prompt], "exec fork");
  }

  /** `codex archive <id|name>`; resolves with its stdout (`Archived session <id>.`). */
  async archive(target: string): Promise<string> {
    return (await this.run(["archive", target], "archive")).stdout.trim();
  }

  /** `codex unarchive <id|name>`; resolves with its stdout. */
  async unarchive(target: string): Promise<string> {
    return (await this.run(["unarchive", target], "unarchive")).stdout.trim();
  }

  /** `codex delete --force <id>` (without a terminal Codex refuses to delete unless forced). */
  async deleteForce(threadId: string): Promise<string> {
    return (await this.run(["delete", "--force", threadId], "delete")).stdout.trim();
  }

  /** Starts `codex app-server` in the sandbox and initializes it. Closed by {@link close} too. */
  async appServer(options: Pick<AppServerClientOptions, "onDynamicToolCall" | "timeoutMs"> = {}): Promise<AppServerClient> {
    const client = await AppServerClient.start({
      timeoutMs: this.#timeoutMs,
      ...options,
      line: this.commandLine(["app-server"]),
      env: this.env(),
      cwd: this.workDir,
    });
    this.#clients.add(client);
    return client;
  }

  /** Closes app-server clients, the sandbox and the mock, and removes the temp dirs. Idempotent. */
  async close(): Promise<void> {
    for (const client of this.#clients) await client.close();
    this.#clients.clear();
    await this.sandbox.close();
    await this.mock.close();
    if (this.#ownsRoot) rmSync(this.#root, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #execJson(args: string[], label: string): Promise<ExecResult> {
    const output = await this.run(args, label);
    const events: ExecEvent[] = [];
    for (const line of output.stdout.split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        events.push(JSON.parse(line) as ExecEvent);
      } catch {
        // `--json` lines are whole objects; anything else is log noise.
      }
    }
    const started = events.find((e) => e.type === "thread.started");
    if (!started || typeof started["thread_id"] !== "string") {
      throw new CodexOutputError(label, `no thread.started event in ${JSON.stringify(output.stdout.slice(0, 300))}`);
    }
    const agentMessages = events
      .filter((e) => e.type === "item.completed")
      .map((e) => e["item"] as { type?: string; text?: string })
      .filter((item) => item.type === "agent_message" && typeof item.text === "string")
      .map((item) => item.text as string);
    return { ...output, threadId: started["thread_id"], agentMessages, events };
  }
}
