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
}

/**
 * Opens the home twice — with the SQLite index after its automatic catch-up, and files-only —
 * and compares one thread's summary field by field.
 * @throws InvariantViolationError naming every field that differs.
 */
export async function compareIndexWithFiles(home: string, threadId: ThreadId): Promise<ParityResult> {
  const indexed = await LocalThreadStore.open({ home });
  const files = await LocalThreadStore.open({ home, index: "none" });
  try {
    if (indexed.indexMode !== "sqlite") {
      throw new InvariantViolationError("the index opens", indexed.indexUnavailableReason ?? "store runs files-only");
    }
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
    return { indexed: a, files: b };
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
