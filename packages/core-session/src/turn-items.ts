import type { ResponseItem, RolloutItem } from "@skein/protocol";
import type { ModelUsage } from "./model-client.js";

// Record builders shared by both turn forms (see turn-form.ts): docs/rollout-format.md, "Turn shapes".

/** Cumulative token counts of a thread, wire (snake_case) form. */
export interface WireTokenUsage {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
}

/** A model-visible record. */
export function response(payload: ResponseItem): RolloutItem {
  return { type: "response_item", payload };
}

/** An event record. */
export function event(payload: { type: string } & Record<string, unknown>): RolloutItem {
  return { type: "event_msg", payload };
}

/** The text of an assistant message, or undefined for any other item. */
export function assistantText(item: ResponseItem): string | undefined {
  const payload = item as Record<string, unknown>;
  if (payload["type"] !== "message" || payload["role"] !== "assistant") return undefined;
  const content = Array.isArray(payload["content"]) ? (payload["content"] as Record<string, unknown>[]) : [];
  return content.map((c) => (typeof c["text"] === "string" ? c["text"] : "")).join("");
}

/** Adds one response's usage to the thread's totals. */
export function addUsage(total: WireTokenUsage | undefined, usage: ModelUsage): WireTokenUsage {
  const last = toWire(usage);
  if (!total) return last;
  return {
    input_tokens: total.input_tokens + last.input_tokens,
    cached_input_tokens: total.cached_input_tokens + last.cached_input_tokens,
    output_tokens: total.output_tokens + last.output_tokens,
    reasoning_output_tokens: total.reasoning_output_tokens + last.reasoning_output_tokens,
    total_tokens: total.total_tokens + last.total_tokens,
  };
}

/** The `token_count` event after a model response. */
export function tokenCount(total: WireTokenUsage, usage: ModelUsage): RolloutItem {
  return event({ type: "token_count", info: { total_token_usage: total, last_token_usage: toWire(usage), model_context_window: null }, rate_limits: null });
}

/** Where a `token_usage_record` belongs. */
export interface UsageRecordContext {
  threadId: string;
  turnId: string;
  /** The model's id for the response, when the client reports one. */
  responseId?: string;
}

/**
 * The `token_usage_record` Codex 0.169 writes right after a model response's items (before any
 * tool result and before the `token_count`): the response's usage, the turn's and the thread's.
 */
export function tokenUsageRecord(at: UsageRecordContext, usage: ModelUsage, turnTotal: WireTokenUsage, threadTotal: WireTokenUsage): RolloutItem {
  return {
    type: "token_usage_record",
    payload: {
      thread_id: at.threadId,
      turn_id: at.turnId,
      session_id: at.threadId,
      root_turn_id: at.turnId,
      response_id: at.responseId ?? null,
      usage: wireWithCacheWrites(toWire(usage)),
      turn_token_usage: wireWithCacheWrites(turnTotal),
      thread_token_usage: wireWithCacheWrites(threadTotal),
    },
  } as RolloutItem;
}

/** Codex's usage objects carry `cache_write_input_tokens` (0 when the provider reports none). */
function wireWithCacheWrites(usage: WireTokenUsage): Record<string, number> {
  return {
    input_tokens: usage.input_tokens,
    cached_input_tokens: usage.cached_input_tokens,
    cache_write_input_tokens: 0,
    output_tokens: usage.output_tokens,
    reasoning_output_tokens: usage.reasoning_output_tokens,
    total_tokens: usage.total_tokens,
  };
}

/** The thread's totals from its last `token_count` with info, if any. */
export function lastTokenTotals(history: readonly Pick<RolloutItem, "type" | "payload">[]): WireTokenUsage | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i]!;
    if (item.type !== "event_msg") continue;
    const payload = item.payload as Record<string, unknown>;
    if (payload["type"] !== "token_count") continue;
    const total = (payload["info"] as Record<string, unknown> | null | undefined)?.["total_token_usage"] as Partial<WireTokenUsage> | undefined;
    if (total && typeof total.total_tokens === "number") {
      return {
        input_tokens: total.input_tokens ?? 0,
        cached_input_tokens: total.cached_input_tokens ?? 0,
        output_tokens: total.output_tokens ?? 0,
        reasoning_output_tokens: total.reasoning_output_tokens ?? 0,
        total_tokens: total.total_tokens,
      };
    }
  }
  return undefined;
}

function toWire(usage: ModelUsage): WireTokenUsage {
  return {
    input_tokens: usage.inputTokens,
    cached_input_tokens: usage.cachedInputTokens ?? 0,
    output_tokens: usage.outputTokens,
    reasoning_output_tokens: usage.reasoningOutputTokens ?? 0,
    total_tokens: usage.totalTokens,
  };
}
