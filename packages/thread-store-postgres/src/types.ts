import type { RolloutLine, StoredThread, ThreadId } from "@skein/protocol";
import type { CreateThreadParams } from "@skein/thread-store";

/** Params of {@link PostgresThreadStore.forkThread}: a create plus the parent prefix to reference. */
export interface ForkThreadParams extends Omit<CreateThreadParams, "forkedFromId" | "historyMode"> {
  /** The durable thread whose history prefix the fork starts from (archived ones too). */
  parentThreadId: ThreadId;
  /** Lines of the parent's resolved history to inherit (1..its length). Default: all of it. */
  baseSeqExclusive?: number;
}

/** One line of an imported history: the parsed line and, when known, its exact raw JSON text. */
export interface ImportLine {
  line: RolloutLine;
  raw?: string;
}

/** Params of {@link PostgresThreadStore.importThread}. */
export interface ImportThreadParams {
  /** The summary to store as is (times, name, archived flag, every field). */
  thread: StoredThread;
  /** The full history, first line first. */
  lines: readonly ImportLine[];
}
