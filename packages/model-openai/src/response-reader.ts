import type { ModelResponse, ModelStreamEvent, ModelUsage } from "@skein/core-session";
import type { ResponseItem } from "@skein/protocol";
import type { Response, ResponseStreamEvent, ResponseUsage } from "openai/resources/responses/responses";
import { ModelResponseError } from "./errors.js";

// Behaviour: docs/model-turns.md ("Streaming"). The finished items are those of
// `response.output_item.done`, in output order, as Codex takes them; deltas are display only.

/** Reads a Responses-API event stream to its finished response, reporting events on the way. */
export async function readResponseStream(
  events: AsyncIterable<ResponseStreamEvent>,
  onEvent: ((event: ModelStreamEvent) => void) | undefined,
  onActivity: () => void,
): Promise<ModelResponse> {
  const done = new Map<number, ResponseItem>();
  let completed: Response | undefined;
  for await (const event of events) {
    onActivity();
    switch (event.type) {
      case "response.output_item.added":
        onEvent?.({ type: "output_item_added", outputIndex: event.output_index, item: asItem(event.item) });
        break;
      case "response.output_text.delta":
        onEvent?.({ type: "output_text_delta", outputIndex: event.output_index, itemId: event.item_id, delta: event.delta });
        break;
      case "response.reasoning_summary_text.delta":
      case "response.reasoning_text.delta":
        onEvent?.({ type: "reasoning_delta", outputIndex: event.output_index, itemId: event.item_id, delta: event.delta });
        break;
      case "response.output_item.done":
        done.set(event.output_index, asItem(event.item));
        onEvent?.({ type: "output_item_done", outputIndex: event.output_index, item: asItem(event.item) });
        break;
      case "response.completed":
        completed = event.response;
        break;
      case "response.failed":
      case "response.incomplete":
        throw unfinished(event.response);
      case "error":
        throw new ModelResponseError(`${event.message}${event.code ? ` (${event.code})` : ""}`);
      default:
        break;
    }
    if (completed) break;
  }
  if (!completed) throw new ModelResponseError("stream closed before response.completed");
  const streamed = [...done.entries()].sort(([a], [b]) => a - b).map(([, item]) => item);
  return withUsage(streamed.length > 0 ? streamed : outputOf(completed), completed.usage, completed.id);
}

/** The finished response of a non-streamed call, or the error it reports. */
export function readResponse(response: Response, onEvent: ((event: ModelStreamEvent) => void) | undefined): ModelResponse {
  if (response.status === "failed" || response.status === "incomplete") throw unfinished(response);
  const output = outputOf(response);
  // Unstreamed, the items arrive finished: report each as done so listeners see the same items.
  output.forEach((item, outputIndex) => onEvent?.({ type: "output_item_done", outputIndex, item }));
  return withUsage(output, response.usage, response.id);
}

/** Responses-API usage in core-session's form. */
export function toModelUsage(usage: ResponseUsage): ModelUsage {
  const cached = usage.input_tokens_details?.cached_tokens;
  const reasoning = usage.output_tokens_details?.reasoning_tokens;
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    totalTokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
    ...(typeof cached === "number" && { cachedInputTokens: cached }),
    ...(typeof reasoning === "number" && { reasoningOutputTokens: reasoning }),
  };
}

/** The response's items, usage (when reported) and id (recorded in `token_usage_record`). */
function withUsage(output: ResponseItem[], usage: ResponseUsage | null | undefined, id: string | undefined): ModelResponse {
  const reply: ModelResponse = usage && typeof usage.input_tokens === "number" ? { output, usage: toModelUsage(usage) } : { output };
  if (typeof id === "string" && id) reply.responseId = id;
  return reply;
}

function outputOf(response: Response): ResponseItem[] {
  return Array.isArray(response.output) ? response.output.map(asItem) : [];
}

/** An SDK output item as the loose JSON record the rollout stores (the wire object itself). */
function asItem(item: object): ResponseItem {
  return item as unknown as ResponseItem;
}

function unfinished(response: Response): ModelResponseError {
  if (response.status === "incomplete") {
    return new ModelResponseError(`response ${response.id} is incomplete (${response.incomplete_details?.reason ?? "no reason given"})`);
  }
  const error = response.error;
  return new ModelResponseError(`response ${response.id} failed: ${error?.message ?? "no message"}${error?.code ? ` (${error.code})` : ""}`);
}
