import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One Responses-API event as the server sends it. */
export type WireEvent = { type: string } & Record<string, unknown>;

/** What the server answers to one request. */
export type Reply =
  /** The output items as an SSE stream (`added`, text deltas of `chunk` characters, `done`, `completed`), or as JSON when the request has `stream: false`. */
  | { kind: "answer"; output: Array<Record<string, unknown>>; usage?: Record<string, unknown>; chunk?: number }
  /** These SSE events verbatim, then the end of the stream. */
  | { kind: "events"; events: WireEvent[] }
  /** An HTTP error with an OpenAI-style error body. */
  | { kind: "status"; status: number; message: string }
  /** These SSE events, then the stream stays open until the client hangs up. */
  | { kind: "hang"; events: WireEvent[] };

/** A request the server received. */
export interface ReceivedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export const USAGE = { input_tokens: 120, input_tokens_details: { cached_tokens: 20 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 5 }, total_tokens: 150 };

/**
 * A scripted Responses-API server on 127.0.0.1 for the client's tests: each request gets the
 * next reply of the script (the last one repeats). Records requests and notes when a client
 * hangs up on an open stream.
 */
export class ResponsesServer {
  readonly requests: ReceivedRequest[] = [];
  /** Streams the client closed before the server ended them. */
  hangUps = 0;
  readonly #server: Server;
  readonly #script: Reply[];
  readonly #hungUp: Array<() => void> = [];
  readonly url: string;

  private constructor(server: Server, script: Reply[]) {
    this.#server = server;
    this.#script = script;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    server.on("request", (req, res) => void this.#handle(req, res));
  }

  static async start(script: Reply[]): Promise<ResponsesServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new ResponsesServer(server, script);
  }

  /** Resolves once a client has hung up on an open stream. */
  hungUp(): Promise<void> {
    return this.hangUps > 0 ? Promise.resolve() : new Promise((resolve) => this.#hungUp.push(resolve));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    const index = this.requests.length;
    this.requests.push({ path: req.url ?? "", headers: { ...req.headers }, body });
    const reply = this.#script[Math.min(index, this.#script.length - 1)]!;
    const id = `resp_${index + 1}`;
    if (reply.kind === "status") {
      res.writeHead(reply.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: reply.message, type: "server_error", code: null } }));
      return;
    }
    if (reply.kind === "answer" && body["stream"] === false) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id, object: "response", status: "completed", model: body["model"], output: reply.output, usage: reply.usage ?? USAGE }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const events = reply.kind === "answer" ? answerEvents(id, reply.output, reply.usage ?? USAGE, reply.chunk ?? 4) : reply.events;
    for (const event of events) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    if (reply.kind !== "hang") {
      res.end();
      return;
    }
    res.on("close", () => {
      this.hangUps++;
      for (const resolve of this.#hungUp.splice(0)) resolve();
    });
  }
}

/** The SSE events of a finished answer: each item added, its text in deltas, done; then completed. */
export function answerEvents(id: string, output: Array<Record<string, unknown>>, usage: Record<string, unknown>, chunk = 4): WireEvent[] {
  const events: WireEvent[] = [{ type: "response.created", response: { id, object: "response", status: "in_progress" } }];
  output.forEach((item, outputIndex) => {
    const content = item["type"] === "message" ? { content: [] } : {};
    events.push({ type: "response.output_item.added", output_index: outputIndex, item: { ...item, status: "in_progress", ...content } });
    const text = item["type"] === "message" ? ((item["content"] as Array<{ text: string }>)[0]?.text ?? "") : "";
    for (let at = 0; at < text.length; at += chunk) {
      events.push({ type: "response.output_text.delta", item_id: item["id"], output_index: outputIndex, content_index: 0, delta: text.slice(at, at + chunk) });
    }
    events.push({ type: "response.output_item.done", output_index: outputIndex, item });
  });
  events.push({ type: "response.completed", response: { id, object: "response", status: "completed", output: [], usage } });
  return events;
}

/** An assistant message item as the API returns it. */
export function message(id: string, text: string): Record<string, unknown> {
  return { type: "message", id, status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] };
}

/** A function call item as the API returns it. */
export function functionCall(n: number, name: string, args: unknown): Record<string, unknown> {
  return { type: "function_call", id: `fc_${n}`, call_id: `call_${n}`, name, arguments: JSON.stringify(args), status: "completed" };
}
