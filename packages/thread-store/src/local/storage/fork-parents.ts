import { readHeadSummary } from "@skein/rollout";
import type { SizedThread } from "./storage-rows.js";

// The fork-parent rule (docs/storage-care.md, "Forks"): a paginated fork's file holds only its
// own lines; its inherited prefix is read from its parent's file up to
// `history_base.end_byte_offset`. The parent must stay while the fork does.

/** parent id → the forks that read through it, over `threads` (only paginated ones are read). */
export function forkParents(threads: readonly SizedThread[]): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const t of threads) {
    if (t.historyMode !== "paginated" || !t.present) continue;
    try {
      const base = readHeadSummary(t.rolloutPath).historyBase;
      if (base) parents.set(base.thread_id, [...(parents.get(base.thread_id) ?? []), t.threadId]);
    } catch {
      // unreadable head: no known parent
    }
  }
  return parents;
}
