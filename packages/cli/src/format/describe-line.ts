import type { RolloutLine } from "@skein/protocol";

/**
 * A one-line human summary of a history record: its kind (with the payload's own `type` for
 * events and response items) and the most telling text it carries.
 */
export function describeLine(line: Pick<RolloutLine, "type" | "payload">): { kind: string; text: string } {
  const payload = (typeof line.payload === "object" && line.payload !== null ? line.payload : {}) as Record<string, unknown>;
  const inner = typeof payload["type"] === "string" ? payload["type"] : undefined;
  const kind = inner !== undefined && (line.type === "event_msg" || line.type === "response_item") ? `${line.type}/${inner}` : line.type;
  return { kind, text: textOf(line.type, payload) };
}

function textOf(type: string, payload: Record<string, unknown>): string {
  switch (type) {
    case "session_meta": {
      const forked = typeof payload["forked_from_id"] === "string" ? ` forked from ${payload["forked_from_id"]}` : "";
      const tools = Array.isArray(payload["dynamic_tools"]) ? ` tools: ${payload["dynamic_tools"].length}` : "";
      return `id ${String(payload["id"])} cwd ${String(payload["cwd"] ?? "")}${forked}${tools}`;
    }
    case "turn_context":
      return `model ${String(payload["model"] ?? "?")} cwd ${String(payload["cwd"] ?? "")}`;
    case "compacted":
      return String(payload["message"] ?? "");
    default:
      return payloadText(payload);
  }
}

function payloadText(payload: Record<string, unknown>): string {
  for (const key of ["message", "last_agent_message", "name", "output", "text"]) {
    const value = payload[key];
    if (typeof value === "string") {
      return key === "name" && typeof payload["arguments"] === "string" ? `${value}(${payload["arguments"]})` : value;
    }
  }
  const content = payload["content"];
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === "object" && part !== null ? (part as Record<string, unknown>)["text"] : undefined))
      .filter((text): text is string => typeof text === "string")
      .join(" ");
  }
  const item = payload["item"];
  if (typeof item === "object" && item !== null) return payloadText(item as Record<string, unknown>);
  return "";
}
