import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// Behaviour: docs/codex-interop.md, "The mock model server" (the SSE events Codex needs and what it sends).

/** One HTTP request the mock received, in arrival order. */
export interface MockRequest {
  /** 1-based arrival number; also used in response ids (`resp_mock_<n>`). */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The decoded JSON body, or the raw text when it is not JSON. */
  readonly body: unknown;
}

/** Options of {@link MockResponsesServer.start}. */
export interface MockResponsesServerOptions {
  /**
   * A Unix socket path to listen on instead of TCP. Used with a relay that runs inside a
   * loopback-only network namespace (see `NetworkSandbox`); the socket is reachable from
   * there because path sockets are not bound to a network namespace.
   */
  readonly socketPath?: string;
  /** Arguments the mock sends when a `[[tool:<name>]]` trigger calls `<name>`. */
  readonly toolArguments?: Readonly<Record<string, unknown>>;
}

/** Arguments for tools the mock calls when no override is given. */
const DEFAULT_TOOL_ARGUMENTS: Readonly<Record<string, unknown>> = {
  exec_command: { cmd: "echo hello-from-mock-tool", yield_time_ms: 2000 },
};
const FALLBACK_TOOL_ARGUMENTS = { key: "alpha" };
const TOOL_TRIGGER = /\[\[tool:([A-Za-z0-9_.-]+)\]\]/;
const COMPACTION_MARKER = "CONTEXT CHECKPOINT COMPACTION";
const SLOW_TRIGGER = "[[slow]]";
const FAIL_TRIGGER = "[[fail]]";

/**
 * A stand-in for the OpenAI Responses API that Codex talks to in tests. It answers every
 * `POST …/responses` with a Server-Sent Events stream and records every request body.
 *
 * Replies are deterministic:
 * - the last input is a `function_call_output` → a message quoting it (`tool output: <text>`);
 * - the last user message contains `[[tool:<name>]]` and `<name>` is among the offered tools →
 *   a `function_call` to it (arguments from `toolArguments`, else `{"key":"alpha"}`);
 *   a tool that is not offered → a message `tool <name> was not offered`;
 * - a compaction request → `MOCK SUMMARY of <n> input items`;
 * - otherwise `mock reply #<n>: <last user text>`.
 *
 * @example
 * const mock = await MockResponsesServer.start();
 * // point Codex at `http://127.0.0.1:${mock.port}/v1`, run it, then:
 * mock.requests.at(-1)?.body;
 * await mock.close();
 */
export class MockResponsesServer {
  readonly #server: Server;
  readonly #requests: MockRequest[] = [];
  readonly #toolArguments: Readonly<Record<string, unknown>>;
  /** The TCP port on 127.0.0.1, or undefined when listening on a Unix socket. */
  readonly port: number | undefined;
  /** The Unix socket path, or undefined when listening on TCP. */
  readonly socketPath: string | undefined;

  private constructor(server: Server, toolArguments: Readonly<Record<string, unknown>>, port?: number, socketPath?: string) {
    this.#server = server;
    this.#toolArguments = toolArguments;
    this.port = port;
    this.socketPath = socketPath;
    server.on("request", (req, res) => void this.#handle(req, res));
  }

  /** Starts the mock on 127.0.0.1 (ephemeral port) or on `options.socketPath`. Never binds another address. */
  static async start(options: MockResponsesServerOptions = {}): Promise<MockResponsesServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      if (options.socketPath !== undefined) server.listen(options.socketPath, () => resolve());
      else server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    const port = typeof address === "object" && address !== null ? (address as AddressInfo).port : undefined;
    const toolArguments = { ...DEFAULT_TOOL_ARGUMENTS, ...options.toolArguments };
    return new MockResponsesServer(server, toolArguments, port, options.socketPath);
  }

  /** Every request received so far, oldest first (a copy). */
  get requests(): readonly MockRequest[] {
    return [...this.#requests];
  }

  /** Requests whose `session-id` header (Codex sends the thread id) equals `threadId`. */
  requestsFor(threadId: string): readonly MockRequest[] {
    return this.#requests.filter((r) => r.headers["session-id"] === threadId || r.headers["thread-id"] === threadId);
  }

  /** Stops listening and drops open connections. Idempotent. */
  async close(): Promise<void> {
    if (!this.#server.listening) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Kept as text: a request we cannot decode is still evidence worth recording.
    }
    const request: MockRequest = {
      index: this.#requests.length + 1,
      method: req.method ?? "",
      path: req.url ?? "",
      headers: { ...req.headers },
      body,
    };
    this.#requests.push(request);
    if (req.method !== "POST" || !(req.url ?? "").endsWith("/responses")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `mock has no route ${req.method} ${req.url}` } }));
      return;
    }
    if ((lastUserText(body) ?? "").includes(FAIL_TRIGGER) && !isToolOutput(inputItems(body).at(-1))) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "mock server error", type: "server_error", code: null } }));
      return;
    }
    const events = this.#replyEvents(request);
    if (isRecord(body) && body["stream"] === false) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(finishedResponse(events)));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const slow = (lastUserText(body) ?? "").includes(SLOW_TRIGGER) && !isToolOutput(inputItems(body).at(-1));
    for (const event of slow ? events.slice(0, 3) : events) {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    // A slow reply never completes: the connection stays open until the client hangs up or close().
    if (!slow) res.end();
  }

  #replyEvents(request: MockRequest): Array<{ type: string } & Record<string, unknown>> {
    const n = String(request.index).padStart(4, "0");
    const responseId = `resp_mock_${n}`;
    const input = inputItems(request.body);
    const last = input.at(-1);
    const created = { type: "response.created", response: { id: responseId, object: "response", status: "in_progress", model: "mock-model" } };
    const completed = {
      type: "response.completed",
      response: {
        id: responseId,
        object: "response",
        status: "completed",
        model: "mock-model",
        usage: {
          input_tokens: 1000,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 10,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 1010,
        },
      },
    };
    const message = (text: string): Array<{ type: string } & Record<string, unknown>> => {
      const id = `msg_mock_${n}`;
      return [
        { type: "response.output_item.added", output_index: 0, item: { type: "message", role: "assistant", id, status: "in_progress", content: [] } },
        { type: "response.output_text.delta", item_id: id, output_index: 0, content_index: 0, delta: text },
        {
          type: "response.output_item.done",
          output_index: 0,
          item: { type: "message", role: "assistant", id, status: "completed", content: [{ type: "output_text", text, annotations: [] }] },
        },
      ];
    };
    if (isRecord(last) && last["type"] === "function_call_output") {
      return [created, ...message(`tool output: ${outputText(last["output"])}`), completed];
    }
    const userText = lastUserText(request.body) ?? "";
    if (userText.includes(COMPACTION_MARKER)) {
      return [created, ...message(`MOCK SUMMARY of ${input.length} input items`), completed];
    }
    const trigger = TOOL_TRIGGER.exec(userText);
    if (trigger) {
      const name = trigger[1] as string;
      if (!offeredToolNames(request.body).includes(name)) {
        return [created, ...message(`tool ${name} was not offered`), completed];
      }
      const args = this.#toolArguments[name] ?? FALLBACK_TOOL_ARGUMENTS;
      const item = {
        type: "function_call",
        id: `fc_mock_${n}`,
        call_id: `call_mock_${n}`,
        name,
        arguments: JSON.stringify(args),
        status: "completed",
      };
      return [
        created,
        { type: "response.output_item.added", output_index: 0, item },
        { type: "response.output_item.done", output_index: 0, item },
        completed,
      ];
    }
    return [created, ...message(`mock reply #${request.index}: ${userText}`), completed];
  }
}

/** The `input` array of a Responses request body (empty when absent). */
export function inputItems(body: unknown): readonly unknown[] {
  return isRecord(body) && Array.isArray(body["input"]) ? body["input"] : [];
}

/** Names of the function tools a request offers, including tools nested in `namespace` tools. */
export function offeredToolNames(body: unknown): string[] {
  const tools = isRecord(body) && Array.isArray(body["tools"]) ? body["tools"] : [];
  const names: string[] = [];
  for (const tool of tools) {
    if (!isRecord(tool)) continue;
    if (typeof tool["name"] === "string") names.push(tool["name"]);
    if (Array.isArray(tool["tools"])) names.push(...offeredToolNames({ tools: tool["tools"] }));
  }
  return names;
}

/** The texts of every `message` in a request's input, with their roles, in order. */
export function inputMessages(body: unknown): Array<{ role: string; text: string }> {
  const out: Array<{ role: string; text: string }> = [];
  for (const item of inputItems(body)) {
    if (!isRecord(item) || (item["type"] !== undefined && item["type"] !== "message")) continue;
    const role = typeof item["role"] === "string" ? item["role"] : "";
    out.push({ role, text: contentText(item["content"]) });
  }
  return out;
}

/** The text of the last user message in a request's input, or undefined when there is none. */
export function lastUserText(body: unknown): string | undefined {
  return inputMessages(body)
    .filter((m) => m.role === "user")
    .at(-1)?.text;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (isRecord(part) && typeof part["text"] === "string" ? part["text"] : ""))
    .join("");
}

function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) return contentText(output);
  return JSON.stringify(output);
}

/** The `response.completed` response of a reply, with the finished output items added. */
function finishedResponse(events: ReadonlyArray<{ type: string } & Record<string, unknown>>): Record<string, unknown> {
  const completed = events.find((e) => e.type === "response.completed");
  const output = events.filter((e) => e.type === "response.output_item.done").map((e) => e["item"]);
  return { ...(completed?.["response"] as Record<string, unknown>), output };
}

function isToolOutput(item: unknown): boolean {
  return isRecord(item) && item["type"] === "function_call_output";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
