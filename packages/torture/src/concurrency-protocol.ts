import type { RolloutItem } from "@skein/protocol";

/** What a concurrency worker knows about one thread it owns when it stops. */
export interface OwnThreadState {
  archived: boolean;
  /** The last name it set, if any. */
  name?: string;
}

/** The line a concurrency worker prints last (`report <json>`). */
export interface ConcurrencyWorkerReport {
  worker: number;
  /** Successful operations by kind. */
  ops: Record<string, number>;
  /** Every operation that threw, with the error's class, code and message. */
  errors: { op: string; name: string; code: string; message: string }[];
  threads: Record<string, OwnThreadState>;
  /** Slowest single operation. */
  latencyMaxMs: number;
  /**
   * Own threads (with history) missing from one of this worker's full paged listings although
   * their sort value did not change during it: a broken listing (the campaign fails on any).
   */
  listingMisses: string[];
  /**
   * Own threads missing from such a listing whose sort value changed while it paged (another
   * process re-derived the row from the file): the documented keyset semantics, counted only.
   */
  listingMoves: string[];
}

/** Prefix of every concurrency item's message: `conc w<worker> #<seq>`. */
export const CONCURRENCY_ITEM_PREFIX = "conc ";

/** The item worker `worker` appends as number `seq` of one of its threads. */
export function concurrencyItem(worker: number, seq: number): RolloutItem {
  return { type: "event_msg", payload: { type: "user_message", message: `${CONCURRENCY_ITEM_PREFIX}w${worker} #${seq}`, images: [] } };
}

/** The sequence number in a concurrency item's message, or undefined. */
export function concurrencySeqOf(message: unknown): number | undefined {
  if (typeof message !== "string" || !message.startsWith(CONCURRENCY_ITEM_PREFIX)) return undefined;
  const hash = message.lastIndexOf("#");
  const seq = Number.parseInt(message.slice(hash + 1), 10);
  return hash > 0 && Number.isSafeInteger(seq) ? seq : undefined;
}
