import type OpenAI from "openai";
import { ModelConfigError } from "./errors.js";

/** OpenAI's own endpoint, the SDK's default. */
export const OPENAI_BASE_URL = "https://api.openai.com/v1";

/** The key sent to a custom base URL when none is configured (local servers usually need none). */
export const PLACEHOLDER_API_KEY = "no-key";

/** Reasoning settings sent as the request's `reasoning` (Responses API). */
export interface ReasoningOptions {
  effort?: "none" | "minimal" | "low" | "medium" | "high" | "xhigh";
  summary?: "auto" | "concise" | "detailed";
}

/** Options of {@link OpenAIResponsesModel}. Every one is optional. */
export interface OpenAIResponsesModelOptions {
  /** Default `$OPENAI_API_KEY`. Required for OpenAI's endpoint; a custom `baseURL` gets `"no-key"` without one. */
  apiKey?: string;
  /** Default `$OPENAI_BASE_URL`, else `https://api.openai.com/v1`. Any Responses-compatible server. */
  baseURL?: string;
  /** The model to ask. Default: the thread's model (`request.model`). */
  model?: string;
  /** Reasoning effort and summary; when set (and `store` is false) encrypted reasoning is requested so it can be sent back. */
  reasoning?: ReasoningOptions;
  /** Time allowed for one HTTP attempt, ms (the SDK's `timeout`). Default 600 000. */
  timeoutMs?: number;
  /** Retries of a failed attempt (connection errors, 408, 409, 429, 5xx) with backoff (the SDK's `maxRetries`). Default 2. */
  maxRetries?: number;
  /** A streamed answer with no event for this long fails, ms. Default 300 000 (Codex's `stream_idle_timeout_ms`). */
  streamIdleTimeoutMs?: number;
  /** Stream answers over SSE (default true, as Codex). False: one JSON response per call. */
  stream?: boolean;
  /** The request's `store`. Default false, as Codex. */
  store?: boolean;
  /** The request's `parallel_tool_calls`. Default true. */
  parallelToolCalls?: boolean;
  /** Extra request body fields (`prompt_cache_key`, `service_tier`, …), merged last. */
  extraBody?: Record<string, unknown>;
  /** Where `OPENAI_API_KEY` and `OPENAI_BASE_URL` are read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** A ready SDK client; then `apiKey`, `baseURL`, `timeoutMs`, `maxRetries` and `env` are not used. */
  client?: OpenAI;
}

/** Settings for constructing the SDK client, resolved from options and environment. */
export interface ResolvedClientSettings {
  apiKey: string;
  baseURL: string;
  timeout: number | undefined;
  maxRetries: number | undefined;
}

/**
 * Options first, then `OPENAI_API_KEY` / `OPENAI_BASE_URL`, then defaults.
 * @throws ModelConfigError when OpenAI's own endpoint would get no key, or a number is invalid.
 */
export function resolveClientSettings(options: OpenAIResponsesModelOptions): ResolvedClientSettings {
  const env = options.env ?? process.env;
  const baseURL = nonEmpty(options.baseURL) ?? nonEmpty(env["OPENAI_BASE_URL"]) ?? OPENAI_BASE_URL;
  try {
    new URL(baseURL);
  } catch (error) {
    throw new ModelConfigError(`base URL ${JSON.stringify(baseURL)} is not a URL`, { cause: error });
  }
  const key = nonEmpty(options.apiKey) ?? nonEmpty(env["OPENAI_API_KEY"]);
  if (key === undefined && sameEndpoint(baseURL, OPENAI_BASE_URL)) {
    throw new ModelConfigError("no API key for the OpenAI API: pass apiKey or set OPENAI_API_KEY");
  }
  return {
    apiKey: key ?? PLACEHOLDER_API_KEY,
    baseURL,
    timeout: checkedCount("timeoutMs", options.timeoutMs, 1),
    maxRetries: checkedCount("maxRetries", options.maxRetries, 0),
  };
}

/** @throws ModelConfigError for a value that is not a whole number ≥ `min`. */
export function checkedCount(name: string, value: number | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min) throw new ModelConfigError(`${name} must be a whole number ≥ ${min}, got ${value}`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function sameEndpoint(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b;
}
