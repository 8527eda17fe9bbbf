import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { AppServerClosedError, CodexTimeoutError, JsonRpcError } from "./errors.js";
import { killGroup } from "./internal/run-process.js";
import type { CommandLine } from "./network-sandbox.js";

/** The parts of the app-server's v2 `Thread` the harness reads; every other field is kept. */
export type AppServerThread = {
  id: string;
  name: string | null;
  preview: string;
  forkedFromId: string | null;
  path: string | null;
  modelProvider: string;
  historyMode: string;
  source: unknown;
  createdAt: number;
  updatedAt: number;
  turns: AppServerTurn[];
} & Record<string, unknown>;

/** A v2 `Turn` as returned by `thread/read` with `includeTurns`. */
export type AppServerTurn = { id: string; status: string; items: AppServerItem[] } & Record<string, unknown>;

/** A v2 `ThreadItem` (camelCase `type`, e.g. `userMessage`, `agentMessage`, `dynamicToolCall`). */
export type AppServerItem = { type: string; id: string } & Record<string, unknown>;

/** Params of the server→client `item/tool/call` request (a dynamic tool call). */
export interface DynamicToolCall {
  readonly threadId: string;
  readonly turnId: string;
  readonly callId: string;
  readonly namespace: string | null;
  readonly tool: string;
  readonly arguments: unknown;
}

/** The client's answer to a dynamic tool call. */
export interface DynamicToolCallResult {
  readonly contentItems: ReadonlyArray<{ type: "inputText"; text: string }>;
  readonly success: boolean;
}

/** Every source kind `thread/list` knows; a complete listing asks for all of them. */
export const ALL_THREAD_SOURCE_KINDS = [
  "cli",
  "vscode",
  "exec",
  "appServer",
  "subAgent",
  "subAgentReview",
  "subAgentCompact",
  "subAgentThreadSpawn",
  "subAgentOther",
  "unknown",
] as const;

/** Options of {@link AppServerClient.start}. */
export interface AppServerClientOptions {
  /** The `codex app-server` command line (already wrapped into the network namespace). */
  readonly line: CommandLine;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Deadline of each request and each wait. Default 60 s. */
  readonly timeoutMs?: number;
  /** Answers dynamic tool calls. Default: `<tool>(<arguments>) = 42`, success. */
  readonly onDynamicToolCall?: (call: DynamicToolCall) => DynamicToolCallResult | Promise<DynamicToolCallResult>;
}

interface Pending {
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface Waiter {
  readonly method: string;
  readonly predicate: (params: Record<string, unknown>) => boolean;
  readonly resolve: (params: Record<string, unknown>) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A JSON-RPC client for `codex app-server` over stdio (one JSON object per line).
 *
 * It answers the server's dynamic tool calls (`item/tool/call`) and approval requests, keeps
 * every dynamic tool call in `toolCalls`, and every request and wait has a deadline; `close()`
 * ends stdin and kills the process group if Codex does not exit on its own.
 *
 * @example
 * const client = await runner.appServer();
 * const thread = await client.startThread({ cwd: runner.workDir, dynamicTools: [tool] });
 * await client.runTurn(thread.id, "please use [[tool:mock_lookup]]");
 * await client.close();
 */
export class AppServerClient {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #timeoutMs: number;
  readonly #onToolCall: NonNullable<AppServerClientOptions["onDynamicToolCall"]>;
  readonly #pending = new Map<number, Pending>();
  readonly #waiters: Waiter[] = [];
  readonly #toolCalls: DynamicToolCall[] = [];
  #nextId = 1;
  #stderr = "";
  #closed = false;

  private constructor(child: ChildProcessWithoutNullStreams, options: AppServerClientOptions) {
    this.#child = child;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#onToolCall =
      options.onDynamicToolCall ??
      ((call) => ({ contentItems: [{ type: "inputText", text: `${call.tool}(${JSON.stringify(call.arguments)}) = 42` }], success: true }));
    child.stderr.on("data", (chunk: Buffer) => (this.#stderr = (this.#stderr + chunk.toString()).slice(-4000)));
    createInterface({ input: child.stdout }).on("line", (line) => this.#onLine(line));
    child.once("exit", () => this.#failAll(new AppServerClosedError(`exit (stderr: ${this.#stderr.trim().slice(-300)})`)));
  }

  /** Spawns `codex app-server`, then sends `initialize` (experimental API on) and `initialized`. */
  static async start(options: AppServerClientOptions): Promise<AppServerClient> {
    const child = spawn(options.line.command, options.line.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const client = new AppServerClient(child, options);
    try {
      await client.request("initialize", {
        clientInfo: { name: "skein_interop", title: "Skein interop harness", version: "0.0.0" },
        capabilities: { experimentalApi: true },
      });
      client.notify("initialized");
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** Dynamic tool calls Codex asked this client to run, oldest first (a copy). */
  get toolCalls(): readonly DynamicToolCall[] {
    return [...this.#toolCalls];
  }

  /**
   * Sends a request and resolves with its `result`.
   * @throws JsonRpcError on an error answer; CodexTimeoutError past the deadline;
   *   AppServerClosedError when Codex exits first.
   */
  request<T = Record<string, unknown>>(method: string, params: unknown = {}, timeoutMs = this.#timeoutMs): Promise<T> {
    if (this.#closed) return Promise.reject(new AppServerClosedError(method));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new CodexTimeoutError(`app-server ${method}`, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject, timer });
      this.#send({ id, method, params });
    });
  }

  /** Sends a notification (no answer expected). */
  notify(method: string, params?: unknown): void {
    this.#send(params === undefined ? { method } : { method, params });
  }

  /**
   * Resolves with the params of the next notification `method` (arriving after this call)
   * that satisfies `predicate`.
   */
  waitForNotification(
    method: string,
    predicate: (params: Record<string, unknown>) => boolean = () => true,
    timeoutMs = this.#timeoutMs,
  ): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(new AppServerClosedError(method));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        method,
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(new CodexTimeoutError(`app-server wait for ${method}`, timeoutMs));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** `thread/start`; resolves with the new thread. Params pass through (`dynamicTools`, `historyMode`, …). */
  async startThread(params: Record<string, unknown>): Promise<AppServerThread> {
    return (await this.request<{ thread: AppServerThread }>("thread/start", params)).thread;
  }

  /** `thread/resume` by id; resolves with the resumed thread. */
  async resumeThread(params: { threadId: string } & Record<string, unknown>): Promise<AppServerThread> {
    return (await this.request<{ thread: AppServerThread }>("thread/resume", params)).thread;
  }

  /** `turn/start` with one text input, then waits for that thread's `turn/completed`. */
  async runTurn(threadId: string, text: string): Promise<AppServerTurn> {
    const completed = this.waitForNotification("turn/completed", (p) => p["threadId"] === threadId);
    completed.catch(() => undefined); // observed below; avoids an unhandled rejection if the request fails first
    await this.request("turn/start", { threadId, input: [{ type: "text", text, text_elements: [] }] });
    return (await completed)["turn"] as AppServerTurn;
  }

  /** `thread/name/set`. */
  async setThreadName(threadId: string, name: string): Promise<void> {
    await this.request("thread/name/set", { threadId, name });
  }

  /** `thread/read`; with `includeTurns` the turns and their items are hydrated. */
  async readThread(threadId: string, includeTurns = false): Promise<AppServerThread> {
    return (await this.request<{ thread: AppServerThread }>("thread/read", { threadId, includeTurns })).thread;
  }

  /**
   * `thread/list`, following `nextCursor` to the end. Unless overridden, asks for every source
   * kind and every model provider, which is what a complete listing needs (Codex's default
   * shows only interactive sources).
   */
  async listThreads(params: Record<string, unknown> = {}): Promise<AppServerThread[]> {
    const all: AppServerThread[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: AppServerThread[]; nextCursor: string | null } = await this.request("thread/list", {
        sourceKinds: ALL_THREAD_SOURCE_KINDS,
        modelProviders: [],
        limit: 100,
        ...params,
        cursor,
      });
      all.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return all;
  }

  /** Ends stdin, waits up to 5 s for Codex to exit, then kills its process group. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.stdin.end();
      const timer = setTimeout(() => killGroup(child.pid), 5000);
      await exited;
      clearTimeout(timer);
    }
    killGroup(child.pid); // helpers Codex may have left in its group
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #send(message: unknown): void {
    // A late answer (a tool call settled after close()) has nowhere to go.
    if (this.#child.stdin.writableEnded) return;
    this.#child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  #onLine(line: string): void {
    if (line.trim() === "") return;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // Codex prints nothing but JSON here; a stray line is not ours to interpret.
    }
    const id = message["id"];
    const method = message["method"];
    if (id !== undefined && typeof method === "string") {
      void this.#answerServerRequest(id, method, (message["params"] ?? {}) as Record<string, unknown>);
    } else if (typeof id === "number") {
      const pending = this.#pending.get(id);
      if (!pending) return;
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      const error = message["error"];
      if (error) pending.reject(new JsonRpcError(pending.method, error as { code?: number; message?: string }));
      else pending.resolve(message["result"]);
    } else if (typeof method === "string") {
      const params = (message["params"] ?? {}) as Record<string, unknown>;
      const index = this.#waiters.findIndex((w) => w.method === method && w.predicate(params));
      if (index >= 0) {
        const [waiter] = this.#waiters.splice(index, 1);
        clearTimeout(waiter!.timer);
        waiter!.resolve(params);
      }
    }
  }

  async #answerServerRequest(id: unknown, method: string, params: Record<string, unknown>): Promise<void> {
    if (method === "item/tool/call") {
      const call = params as unknown as DynamicToolCall;
      this.#toolCalls.push(call);
      this.#send({ id, result: await this.#onToolCall(call) });
    } else if (/approval/i.test(method)) {
      this.#send({ id, result: { decision: "accept" } });
    } else {
      this.#send({ id, error: { code: -32601, message: `skein interop client does not handle ${method}` } });
    }
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}
