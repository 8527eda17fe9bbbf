import type { RolloutItem, RolloutLine } from "@skein/protocol";

/** Prefix of the message of every item a crash writer appends: `crash:<seq>`. */
export const CRASH_ITEM_PREFIX = "crash:";

/**
 * The item a crash writer appends for sequence number `seq`: a user message whose text carries
 * the number, so the checker can read the order back from the file. Every `padEvery`-th item is
 * padded to ~64 KiB so that some writes span several pages.
 */
export function crashItem(seq: number, padEvery = 17): RolloutItem {
  const pad = seq % padEvery === 0 ? ` ${"x".repeat(64 * 1024)}` : "";
  return { type: "event_msg", payload: { type: "user_message", message: `${CRASH_ITEM_PREFIX}${seq}${pad}`, images: [] } };
}

/** The sequence number of a crash item, or undefined for any other line. */
export function crashSeqOf(line: RolloutLine): number | undefined {
  if (line.type !== "event_msg") return undefined;
  const payload = line.payload as { type?: unknown; message?: unknown };
  if (payload.type !== "user_message" || typeof payload.message !== "string") return undefined;
  if (!payload.message.startsWith(CRASH_ITEM_PREFIX)) return undefined;
  const seq = Number.parseInt(payload.message.slice(CRASH_ITEM_PREFIX.length), 10);
  return Number.isSafeInteger(seq) ? seq : undefined;
}
