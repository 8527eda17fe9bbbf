import type { RolloutLine } from "@skein/protocol";

// The hot-path twin of the `RolloutLine` zod schema (protocol `rollout-item.ts`). Running zod on
// every line of a 100 MB rollout doubled the cost of a load, yet nearly every line is a plain
// Codex envelope around a loose payload. This check only ever *accepts*: a value it accepts is one
// the schema accepts unchanged (test/check-rollout-line.test.ts checks that property against zod);
// anything it is not sure about (every `session_meta`, extra envelope keys, odd shapes) returns
// undefined and the caller asks zod, which also words the error.

const ENVELOPE_KEYS = new Set(["timestamp", "ordinal", "type", "payload", "metadata"]);

/**
 * Returns `json` typed as a {@link RolloutLine} when a cheap structural check proves the schema
 * would accept it as-is, else undefined (then validate with zod). Never throws.
 */
export function checkRolloutLine(json: unknown): RolloutLine | undefined {
  if (!isRecord(json)) return undefined;
  const line = json as Record<string, unknown>;
  if (typeof line["timestamp"] !== "string" || typeof line["type"] !== "string") return undefined;
  const ordinal = line["ordinal"];
  if (ordinal !== undefined && !(typeof ordinal === "number" && Number.isSafeInteger(ordinal) && ordinal >= 0)) return undefined;
  const metadata = line["metadata"];
  if (metadata !== undefined && !isRecord(metadata)) return undefined;
  // JSON.parse makes `"__proto__"` an own key; zod's record drops it. Leave that case to zod
  // (found by the property test in check-rollout-line.test.ts).
  if (metadata !== undefined && Object.hasOwn(metadata, "__proto__")) return undefined;
  // z.object strips unknown envelope keys; leave that (rare) case to zod so the output matches.
  for (const key in line) if (!ENVELOPE_KEYS.has(key)) return undefined;
  return payloadAccepted(line["type"], line["payload"]) ? (json as RolloutLine) : undefined;
}

function payloadAccepted(type: string, payload: unknown): boolean {
  switch (type) {
    case "response_item":
    case "event_msg":
      return isRecord(payload) && typeof payload["type"] === "string";
    case "turn_context":
      return (
        isRecord(payload) &&
        isNullishOr(payload["turn_id"], "string") &&
        isOptional(payload["cwd"], "string") &&
        isOptional(payload["model"], "string")
      );
    case "compacted":
      return isRecord(payload) && typeof payload["message"] === "string" && isHistoryList(payload["replacement_history"]);
    case "session_meta":
      // Its payload schema is large and rarely hit (a few lines per file): always zod.
      return false;
    default:
      // Unknown kinds keep any payload, but the key must be there (zod's `unknown()` is not optional in an object).
      return payload !== undefined;
  }
}

function isHistoryList(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (!Array.isArray(value)) return false;
  for (const item of value) if (!isRecord(item) || typeof item["type"] !== "string") return false;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isOptional(value: unknown, kind: "string"): boolean {
  return value === undefined || typeof value === kind;
}

function isNullishOr(value: unknown, kind: "string"): boolean {
  return value === undefined || value === null || typeof value === kind;
}
