import { EpochMs, HistoryMode, MemoryMode, StoredThread } from "@skein/protocol";
import { z } from "zod";

/**
 * One thread as the index stores it: the camelCase `StoredThread` summary, plus the rollout
 * path (always known here), the derived `title`, and when the row was last indexed.
 * `name` is the user-set display name and is a separate column: a derived title never
 * overwrites it.
 */
export const ThreadRow = StoredThread.extend({
  rolloutPath: z.string().min(1),
  title: z.string().optional(),
  indexedAtMs: EpochMs.optional(),
});
export type ThreadRow = z.infer<typeof ThreadRow>;

/**
 * What `upsertThread` takes. Like {@link ThreadRow}, except:
 * - `recencyAt` is used only when the row is inserted (default `updatedAt`); an existing row
 *   keeps its recency (advance it with a patch's `advanceRecencyAt`);
 * - `memoryMode` / `historyMode` absent: insert `enabled` / `legacy`, keep on update;
 * - `name` absent: insert none, keep on update (only an explicit value replaces it);
 * - `archived` defaults to false; `indexedAtMs` defaults to now.
 */
export const ThreadRowInput = ThreadRow.extend({
  recencyAt: EpochMs.optional(),
  memoryMode: MemoryMode.optional(),
  historyMode: HistoryMode.optional(),
  archived: z.boolean().optional(),
});
export type ThreadRowInput = z.infer<typeof ThreadRowInput>;
