import { InvalidRawRolloutItemError } from "./errors.js";
import { scanCanonicalJson } from "./internal/canonical-json.js";
import { isPersistedRecord } from "./policy.js";

// Behaviour: docs/rollout-format.md, "Appending JSON text".

/**
 * A rollout record whose payload arrives as JSON text (a model stream's output item, say):
 * `type` is the record kind (`response_item`, `event_msg`, ...), `payloadJson` one JSON value.
 */
export interface RawRolloutItem {
  type: string;
  payloadJson: string;
}

/**
 * A {@link RawRolloutItem} checked once: `payloadJson` is exactly what `JSON.stringify` prints
 * for the payload, so writing it gives the bytes the object path writes. `payloadType` is the
 * payload's own `type` (when it is an object with a string `type`), all a persistence policy
 * or a metadata sync needs to know without parsing. Made by {@link prepareRawRolloutItem} only.
 */
export class PreparedRawRolloutItem implements RawRolloutItem {
  readonly type: string;
  readonly payloadJson: string;
  readonly payloadType: string | undefined;

  /** @internal Use {@link prepareRawRolloutItem}. */
  constructor(type: string, payloadJson: string, payloadType: string | undefined) {
    this.type = type;
    this.payloadJson = payloadJson;
    this.payloadType = payloadType;
  }

  /** The payload as a value (parsed on each call: only for the few records whose payload is read). */
  parsePayload(): unknown {
    return JSON.parse(this.payloadJson);
  }
}

/**
 * Checks one raw item. A payload in `JSON.stringify`'s own spelling (what any serializer of
 * JSON objects prints without indentation) is kept as given after one cheap scan; any other
 * valid JSON (whitespace, `\/`, `\u0041`, `1.0`, duplicate keys, ...) is parsed and printed
 * again, so the line is always the one the object path would write for `JSON.parse(payloadJson)`.
 * As lenient as the object path: any JSON value is a payload.
 * @throws InvalidRawRolloutItemError when `type` is not a string or `payloadJson` is not one JSON value.
 */
export function prepareRawRolloutItem(item: RawRolloutItem, index = 0): PreparedRawRolloutItem {
  if (item instanceof PreparedRawRolloutItem) return item;
  if (typeof item !== "object" || item === null) throw new InvalidRawRolloutItemError(index, "expected an object");
  const { type, payloadJson } = item;
  if (typeof type !== "string") throw new InvalidRawRolloutItemError(index, "type must be a string");
  if (typeof payloadJson !== "string") throw new InvalidRawRolloutItemError(index, "payloadJson must be a string");
  const scan = scanCanonicalJson(payloadJson);
  if (scan.canonical) return new PreparedRawRolloutItem(type, payloadJson, scan.topType);
  let value: unknown;
  try {
    value = JSON.parse(payloadJson);
  } catch (error) {
    throw new InvalidRawRolloutItemError(index, `payloadJson is not JSON (${(error as Error).message})`, { cause: error });
  }
  const payloadType = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined;
  return new PreparedRawRolloutItem(type, JSON.stringify(value), typeof payloadType === "string" ? payloadType : undefined);
}

function isPrepared(item: RawRolloutItem): item is PreparedRawRolloutItem {
  return item instanceof PreparedRawRolloutItem;
}

/** `isPersistedRolloutItem` for a checked raw item (from its kinds, without parsing). */
export function isPersistedRawRolloutItem(item: PreparedRawRolloutItem): boolean {
  return isPersistedRecord(item.type, item.payloadType);
}

/**
 * Checks every item before any is used, so a bad one leaves nothing written. A list that holds
 * only checked items is returned as it is (a layer below passes it on without a copy).
 * @throws InvalidRawRolloutItemError naming the first bad item's index.
 */
export function prepareRawRolloutItems(items: readonly RawRolloutItem[]): readonly PreparedRawRolloutItem[] {
  if (!Array.isArray(items)) throw new InvalidRawRolloutItemError(0, "expected an array of items");
  if (items.every(isPrepared)) return items as readonly PreparedRawRolloutItem[];
  const prepared = new Array<PreparedRawRolloutItem>(items.length);
  for (let i = 0; i < items.length; i++) prepared[i] = prepareRawRolloutItem(items[i]!, i);
  return prepared;
}
