import type { ResponseItem } from "@skein/protocol";
import type { ModelCallOptions, ModelClient, ModelResponse } from "./model-client.js";
import type { ModelRequest, ModelTool } from "./model-request.js";

const TOOL_MARKER = /\[\[tool:([A-Za-z0-9_.-]+)\]\]/;

/**
 * A deterministic model stub for tests, demos and interop runs. Per request:
 * - after a tool result, it reports it: `Tool <call_id> finished. Output starts: <first 60 chars>`;
 * - when the last user message contains `[[tool:<name>]]` and the request offers that tool, it
 *   calls it once with sample arguments built from the tool's JSON schema;
 * - otherwise it echoes: `hi from scripted model #<n> (you said: <text>)`.
 * Usage is estimated as one token per four characters of JSON. `n` counts this instance's calls.
 * With `options.onEvent` it streams: `output_item_added`, the text word by word, `output_item_done`.
 */
export class ScriptedModel implements ModelClient {
  #calls = 0;
  /** Every request received, in order (deep copies). */
  readonly requests: ModelRequest[] = [];

  /** Number of requests answered so far. */
  get calls(): number {
    return this.#calls;
  }

  async respond(request: ModelRequest, options: ModelCallOptions = {}): Promise<ModelResponse> {
    options.signal?.throwIfAborted();
    const n = ++this.#calls;
    this.requests.push(structuredClone(request));
    const output = [this.#reply(request, n)];
    if (options.onEvent) streamEvents(output, options.onEvent);
    const inputTokens = Math.ceil(JSON.stringify(request.input).length / 4);
    const outputTokens = Math.ceil(JSON.stringify(output).length / 4);
    return { output, usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens } };
  }

  #reply(request: ModelRequest, n: number): ResponseItem {
    const last = request.input.at(-1) as Record<string, unknown> | undefined;
    if (last?.["type"] === "function_call_output") {
      const output = typeof last["output"] === "string" ? last["output"] : JSON.stringify(last["output"]);
      return assistantMessage(`Tool ${String(last["call_id"])} finished. Output starts: ${output.slice(0, 60)}`);
    }
    const text = lastUserText(request.input);
    const wanted = TOOL_MARKER.exec(text)?.[1];
    const tool = wanted === undefined ? undefined : request.tools.find((t) => t.name === wanted);
    if (tool) {
      return { type: "function_call", name: tool.name, arguments: JSON.stringify(sampleArguments(tool)), call_id: `call_scripted_${n}` };
    }
    return assistantMessage(`hi from scripted model #${n} (you said: ${text})`);
  }
}

function streamEvents(output: readonly ResponseItem[], onEvent: NonNullable<ModelCallOptions["onEvent"]>): void {
  output.forEach((item, outputIndex) => {
    onEvent({ type: "output_item_added", outputIndex, item: { ...item, ...(item.type === "message" && { content: [] }) } });
    const text = item.type === "message" ? ((item["content"] as Array<{ text?: string }>)[0]?.text ?? "") : "";
    for (const delta of text.match(/\S+\s*|\s+/g) ?? []) onEvent({ type: "output_text_delta", outputIndex, delta });
    onEvent({ type: "output_item_done", outputIndex, item });
  });
}

function assistantMessage(text: string): ResponseItem {
  return { type: "message", role: "assistant", content: [{ type: "output_text", text }] };
}

function lastUserText(input: readonly ResponseItem[]): string {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as Record<string, unknown>;
    if (item["type"] !== "message" || item["role"] !== "user") continue;
    const content = Array.isArray(item["content"]) ? (item["content"] as Record<string, unknown>[]) : [];
    return content.map((c) => (typeof c["text"] === "string" ? c["text"] : "")).join("\n");
  }
  return "";
}

/** Arguments that satisfy the tool's required properties: "alpha", 1, true, [] or {}. */
function sampleArguments(tool: ModelTool): Record<string, unknown> {
  const schema = (tool.parameters ?? {}) as { properties?: Record<string, { type?: unknown }>; required?: unknown };
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const args: Record<string, unknown> = {};
  for (const key of required) {
    const type = schema.properties?.[key]?.type;
    args[key] = type === "number" || type === "integer" ? 1 : type === "boolean" ? true : type === "array" ? [] : type === "object" ? {} : "alpha";
  }
  return args;
}
