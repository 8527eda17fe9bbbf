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
}

/**
 * The model a session talks to. Skein records what goes in and out; the transport (HTTP,
 * websocket, a stub) is the application's. Implementations must not mutate the request.
 */
export interface ModelClient {
  /** Sends one request; rejects when the call fails (the turn is then recorded as aborted). */
  respond(request: ModelRequest): Promise<ModelResponse>;
}
