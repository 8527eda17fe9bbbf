import { z } from "zod";
import { SessionMeta } from "./session-meta.js";
import { lenientObject } from "./lenient-object.js";

/** A model-visible history item (`message`, `function_call`, `reasoning`, ...). Loose. */
export const ResponseItem = z.looseObject({ type: z.string() });
export type ResponseItem = z.infer<typeof ResponseItem>;

/** An event record (`user_message`, `item_completed`, `token_count`, ...), tagged by `type`. Loose. */
export const EventMsg = z.looseObject({ type: z.string() });
export type EventMsg = z.infer<typeof EventMsg>;

/** Per-turn settings (`cwd`, `model`, `approval_policy`, ...). Loose and lenient (see `lenientObject`). */
export const TurnContext = lenientObject(
  {},
  {
    turn_id: z.string().nullish(),
    cwd: z.string().optional(),
    model: z.string().optional(),
  },
);
export type TurnContext = z.infer<typeof TurnContext>;

/** A compaction checkpoint. Loose. */
export const Compacted = z.looseObject({
  message: z.string(),
  replacement_history: z.array(ResponseItem).nullish(),
});
export type Compacted = z.infer<typeof Compacted>;

/** Optional sibling of `payload` on `response_item` lines (Codex 0.169). */
export const LineMetadata = z.record(z.string(), z.unknown());
export type LineMetadata = z.infer<typeof LineMetadata>;

/** The record kinds Skein understands. Anything else is kept verbatim as an unknown kind. */
export const KNOWN_ROLLOUT_ITEM_TYPES = [
  "session_meta",
  "response_item",
  "event_msg",
  "turn_context",
  "compacted",
] as const;
export type KnownRolloutItemType = (typeof KNOWN_ROLLOUT_ITEM_TYPES)[number];

const envelope = { timestamp: z.string(), ordinal: z.number().int().nonnegative().optional() };
const withMeta = { metadata: LineMetadata.optional() };

function unknownKind() {
  return z.string().refine((t) => !(KNOWN_ROLLOUT_ITEM_TYPES as readonly string[]).includes(t), {
    message: "known record kind with an invalid payload",
  });
}

/**
 * One history record without its line envelope. Known kinds validate their payload; any
 * other `type` (Codex's `world_state`, `token_usage_record`, future kinds) is kept as-is,
 * so a read-modify-write never drops it.
 */
export const RolloutItem = z.union([
  z.object({ type: z.literal("session_meta"), payload: SessionMeta, ...withMeta }),
  z.object({ type: z.literal("response_item"), payload: ResponseItem, ...withMeta }),
  z.object({ type: z.literal("event_msg"), payload: EventMsg, ...withMeta }),
  z.object({ type: z.literal("turn_context"), payload: TurnContext, ...withMeta }),
  z.object({ type: z.literal("compacted"), payload: Compacted, ...withMeta }),
  z.object({ type: unknownKind(), payload: z.unknown(), ...withMeta }),
]);
export type RolloutItem = z.infer<typeof RolloutItem>;

/**
 * One JSONL line of a rollout: `{"timestamp","ordinal"?,"type","payload","metadata"?}`.
 * `timestamp` is UTC with milliseconds; `ordinal` appears only in paginated files.
 */
export const RolloutLine = z.union([
  z.object({ ...envelope, type: z.literal("session_meta"), payload: SessionMeta, ...withMeta }),
  z.object({ ...envelope, type: z.literal("response_item"), payload: ResponseItem, ...withMeta }),
  z.object({ ...envelope, type: z.literal("event_msg"), payload: EventMsg, ...withMeta }),
  z.object({ ...envelope, type: z.literal("turn_context"), payload: TurnContext, ...withMeta }),
  z.object({ ...envelope, type: z.literal("compacted"), payload: Compacted, ...withMeta }),
  z.object({ ...envelope, type: unknownKind(), payload: z.unknown(), ...withMeta }),
]);
export type RolloutLine = z.infer<typeof RolloutLine>;

/** Narrows an item to a kind. */
export function isItemOfType<T extends KnownRolloutItemType>(
  item: RolloutItem,
  type: T,
): item is Extract<RolloutItem, { type: T }> {
  return item.type === type;
}

/** Formats a time as a rollout line timestamp: `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
export function formatRolloutTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
