import type { ResponseItem } from "@skein/protocol";
import type { ModelRequest } from "./model-request.js";

/** Token counts of one model response (Responses-API `usage`, camelCase). */
export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cachedInputTokens?: number;
  reasoningOutputTokens?: number;
}

/** What a model returned for one request: its output items, in order, and usage when known. */
export interface ModelResponse {
  output: ResponseItem[];
  usage?: ModelUsage;
  /** The provider's id of the response (Responses API `id`), recorded in `token_usage_record`. */
  responseId?: string;
}

/**
 * What a streaming model reports while it answers (Responses-API stream events, simplified).
 * Display only: the turn records the finished {@link ModelResponse}, never these (Codex does not
 * persist its delta events either).
 */
export type ModelStreamEvent =
  /** An output item started (a message, a function call, reasoning, …); `item` is incomplete. */
  | { type: "output_item_added"; outputIndex: number; item: ResponseItem }
  /** A piece of an assistant message's text. */
  | { type: "output_text_delta"; outputIndex: number; itemId?: string; delta: string }
  /** A piece of a reasoning summary or reasoning text. */
  | { type: "reasoning_delta"; outputIndex: number; itemId?: string; delta: string }
  /** An output item is complete; the same item appears in the response's `output`. */
  | { type: "output_item_done"; outputIndex: number; item: ResponseItem };

/** Per-call options a session passes to {@link ModelClient.respond}. */
export interface ModelCallOptions {
  /** Aborts the call; the client should stop the request and reject promptly. */
  signal?: AbortSignal;
  /** Receives stream events as they arrive. A listener that throws fails the call. */
  onEvent?: (event: ModelStreamEvent) => void;
}

/**
 * The model a session talks to. Skein records what goes in and out; the transport (HTTP,
 * websocket, a stub) is the application's. Implementations must not mutate the request.
 */
export interface ModelClient {
  /**
   * Sends one request; resolves with the finished response, rejects when the call fails (the
   * turn is then recorded as aborted). Clients that stream report progress to `options.onEvent`.
   */
  respond(request: ModelRequest, options?: ModelCallOptions): Promise<ModelResponse>;
}
