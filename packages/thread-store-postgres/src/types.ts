import type { ThreadId } from "@skein/protocol";
import type { CreateThreadParams } from "@skein/thread-store";

/** Params of {@link PostgresThreadStore.forkThread}: a create plus the parent prefix to reference. */
export interface ForkThreadParams extends Omit<CreateThreadParams, "forkedFromId" | "historyMode"> {
  /** The durable thread whose history prefix the fork starts from (archived ones too). */
  parentThreadId: ThreadId;
  /** Lines of the parent's resolved history to inherit (1..its length). Default: all of it. */
  baseSeqExclusive?: number;
}

// A whole thread to import: the same shape `LocalThreadStore.importThread` takes, so `copyThreads`
// moves threads either way with one type.
export type { ImportLine, ImportThreadParams } from "@skein/thread-store";
