import type { StoredThread, ThreadId } from "@skein/protocol";
import { LocalThreadStore } from "@skein/thread-store";
import { InvariantViolationError } from "./errors.js";

/**
 * Fields of a thread summary that the index must agree on with the files. Times are left out on
 * purpose: a files-only store derives `updatedAt`/`recencyAt` from the file's mtime and the
 * index from the writer's clock, and neither is history.
 */
export const PARITY_FIELDS = [
  "threadId", "rolloutPath", "preview", "firstUserMessage", "archived", "cwd", "source",
  "modelProvider", "cliVersion", "forkedFromId", "memoryMode", "historyMode", "createdAt",
] as const satisfies readonly (keyof StoredThread)[];

/** One thread as the index and as the files describe it (undefined: "not found"). */
export interface ParityResult {
  indexed: StoredThread | undefined;
  files: StoredThread | undefined;
  /**
   * Opens that found the index "corrupt" (FTS5 blob errors from `quick_check` while other
   * processes write) although the file checks clean right after; each was retried. A known
   * finding, see the README; counted so that it is never hidden.
   */
  falseCorruptionRetries: number;
  /** True when every retry still met the false report: nothing was compared this time. */
  skipped: boolean;
}

const FALSE_CORRUPTION = /fts5: corruption found/;
const MAX_RETRIES = 5;

/** Opens the indexed store, retrying an open that fell back to files-only on a transient FTS5 report. */
async function openIndexed(home: string): Promise<{ store: LocalThreadStore | undefined; retries: number }> {
  for (let retries = 0; ; retries++) {
    const store = await LocalThreadStore.open({ home });
    if (store.indexMode === "sqlite") return { store, retries };
    const reason = store.indexUnavailableReason ?? "store runs files-only";
    await store.close();
    if (!FALSE_CORRUPTION.test(reason)) throw new InvariantViolationError("the index opens", reason);
    // The report sticks to a long-lived connection shared in this process: give up this round.
    if (retries >= MAX_RETRIES) return { store: undefined, retries };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Opens the home twice — with the SQLite index after its automatic catch-up, and files-only —
 * and compares one thread's summary field by field. See {@link ParityResult.skipped}.
 * @throws InvariantViolationError naming every field that differs.
 */
export async function compareIndexWithFiles(home: string, threadId: ThreadId): Promise<ParityResult> {
  const { store: indexed, retries } = await openIndexed(home);
  if (!indexed) return { indexed: undefined, files: undefined, falseCorruptionRetries: retries, skipped: true };
  const files = await LocalThreadStore.open({ home, index: "none" });
  try {
    const a = await readOrUndefined(indexed, threadId);
    const b = await readOrUndefined(files, threadId);
    if ((a === undefined) !== (b === undefined)) {
      throw new InvariantViolationError("index agrees with the files", `thread ${threadId} is ${a ? "" : "not "}in the index but ${b ? "" : "not "}in the files`);
    }
    if (a && b) {
      const diff = PARITY_FIELDS.filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
      if (diff.length > 0) {
        const detail = diff.map((f) => `${f}: index ${JSON.stringify(a[f])} vs files ${JSON.stringify(b[f])}`).join("; ");
        throw new InvariantViolationError("index agrees with the files", `thread ${threadId}: ${detail}`);
      }
    }
    return { indexed: a, files: b, falseCorruptionRetries: retries, skipped: false };
  } finally {
    await indexed.close();
    await files.close();
  }
}

async function readOrUndefined(store: LocalThreadStore, threadId: ThreadId): Promise<StoredThread | undefined> {
  try {
    const { history: _history, ...thread } = await store.readThread({ threadId, includeArchived: true });
    return thread;
  } catch (error) {
    if ((error as { code?: string }).code === "thread_not_found") return undefined;
    throw error;
  }
}
