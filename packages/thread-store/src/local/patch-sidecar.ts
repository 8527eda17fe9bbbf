import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mergePatch, ThreadMetadataPatch, type ThreadId } from "@skein/protocol";

/** Where the files-only mode keeps explicit metadata patches, relative to the home. */
export const PATCHES_SUBDIR = join(".skein", "metadata");

/**
 * Explicit metadata patches of the files-only mode (`index: "none"`): one JSON file per thread
 * holding the merged literal patch, overlaid on the file-derived summary when read. Without an
 * index there is nowhere else to keep facts like `model` that the JSONL does not carry; names,
 * memory mode and git still go to their Codex-compatible places (session index, session_meta).
 */
export class PatchSidecar {
  readonly dir: string;

  constructor(home: string) {
    this.dir = join(home, PATCHES_SUBDIR);
  }

  #path(threadId: ThreadId): string {
    return join(this.dir, `${threadId}.json`);
  }

  /** The merged patch of a thread, or `{}`. A damaged sidecar reads as `{}` (the JSONL is the truth). */
  async read(threadId: ThreadId): Promise<ThreadMetadataPatch> {
    try {
      const parsed = ThreadMetadataPatch.safeParse(JSON.parse(await readFile(this.#path(threadId), "utf8")));
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }

  /** Merges `patch` into the thread's sidecar (atomic replace, file 0600, dir 0700). */
  async merge(threadId: ThreadId, patch: ThreadMetadataPatch): Promise<ThreadMetadataPatch> {
    const merged = mergePatch(await this.read(threadId), patch);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.#path(threadId)}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(merged), { mode: 0o600 });
    await rename(tmp, this.#path(threadId));
    return merged;
  }

  /** Removes the thread's sidecar (delete). */
  async remove(threadId: ThreadId): Promise<void> {
    await rm(this.#path(threadId), { force: true });
  }
}
