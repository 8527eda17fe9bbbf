import type { ModelCallOptions, ModelClient, ModelRequest, ModelResponse } from "@skein/core-session";
import OpenAI, { APIError, APIUserAbortError } from "openai";
import type { ResponseCreateParamsNonStreaming, ResponseCreateParamsStreaming } from "openai/resources/responses/responses";
import { ModelResponseError } from "./errors.js";
import { type OpenAIResponsesModelOptions, checkedCount, resolveClientSettings } from "./options.js";
import { readResponse, readResponseStream } from "./response-reader.js";

const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;

/**
 * A `ModelClient` on the official `openai` SDK (Responses API), for OpenAI or any compatible
 * server. Sends what Codex sends for a turn (the thread's instructions, history and function
 * tools; `store: false`, `tool_choice: "auto"`, `parallel_tool_calls`), streams by default and
 * reports stream events to the session, and returns the finished items with their usage.
 * Timeouts and retries are the SDK's; an aborted call rejects at once.
 *
 * @example
 * const model = new OpenAIResponsesModel({ model: "gpt-5.1", reasoning: { effort: "low" } });
 * await session.runTurn({ userText: "hi", model });
 *
 * @throws ModelConfigError from the constructor when OpenAI's endpoint would get no API key.
 */
export class OpenAIResponsesModel implements ModelClient {
  readonly #client: OpenAI;
  readonly #options: OpenAIResponsesModelOptions;
  readonly #idleMs: number;

  constructor(options: OpenAIResponsesModelOptions = {}) {
    this.#options = options;
    this.#idleMs = checkedCount("streamIdleTimeoutMs", options.streamIdleTimeoutMs, 1) ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
    if (options.client) {
      this.#client = options.client;
    } else {
      const settings = resolveClientSettings(options);
      this.#client = new OpenAI({
        apiKey: settings.apiKey,
        baseURL: settings.baseURL,
        ...(settings.timeout !== undefined && { timeout: settings.timeout }),
        ...(settings.maxRetries !== undefined && { maxRetries: settings.maxRetries }),
      });
    }
  }

  /** The base URL requests go to. */
  get baseURL(): string {
    return this.#client.baseURL;
  }

  async respond(request: ModelRequest, options: ModelCallOptions = {}): Promise<ModelResponse> {
    const body = this.requestBody(request);
    try {
      if (this.#options.stream === false) {
        const response = await this.#client.responses.create({ ...body, stream: false } as ResponseCreateParamsNonStreaming, { ...(options.signal && { signal: options.signal }) });
        return readResponse(response, options.onEvent);
      }
      return await this.#streamed(body, options);
    } catch (error) {
      throw asModelError(error, options.signal);
    }
  }

  /** The JSON body a call sends for `request` (without `stream`). */
  requestBody(request: ModelRequest): Record<string, unknown> {
    const o = this.#options;
    const store = o.store ?? false;
    return {
      model: o.model ?? request.model,
      ...(request.instructions !== "" && { instructions: request.instructions }),
      input: request.input,
      tools: request.tools.map((tool) => ({ ...tool, strict: false })),
      tool_choice: "auto",
      parallel_tool_calls: o.parallelToolCalls ?? true,
      store,
      ...(o.reasoning && { reasoning: o.reasoning }),
      ...(o.reasoning && !store && { include: ["reasoning.encrypted_content"] }),
      ...o.extraBody,
    };
  }

  async #streamed(body: Record<string, unknown>, options: ModelCallOptions): Promise<ModelResponse> {
    // One controller for the caller's abort and the idle deadline, so either ends the HTTP stream.
    const controller = new AbortController();
    const idle = new ModelResponseError(`stream idle for ${this.#idleMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(idle), this.#idleMs);
    };
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.throwIfAborted();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const stream = await this.#client.responses.create({ ...body, stream: true } as ResponseCreateParamsStreaming, { signal: controller.signal });
      touch();
      return await readResponseStream(stream, options.onEvent, touch);
    } catch (error) {
      if (controller.signal.reason === idle) throw idle;
      throw error;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** SDK errors as this package's; the caller's abort passes through as the signal's reason. */
function asModelError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? error;
  if (error instanceof APIUserAbortError || error instanceof ModelResponseError) return error;
  if (error instanceof APIError) {
    const status = typeof error.status === "number" ? error.status : undefined;
    return new ModelResponseError(status === undefined ? error.message : `HTTP ${status}: ${errorMessage(error)}`, { cause: error, status });
  }
  return error;
}

function errorMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === "string" ? body.message : error.message;
}
