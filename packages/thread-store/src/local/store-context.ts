import type { CodexSyncReport } from "../codex-index/codex-index-sync.js";
import type { StateDb, ThreadRow } from "@skein/state";
import type { ItemIndexCache } from "./item-index-cache.js";
import type { LiveWriter, LiveWriters } from "./live-writers.js";
import type { PatchSidecar } from "./patch-sidecar.js";

/**
 * What every operation of {@link LocalThreadStore} works with: the home, the index (absent in
 * files-only mode), the options that shape writes, and the store's in-process state. The class
 * owns one and passes it to the operation modules (one module per operation family).
 */
export interface LocalStoreContext {
  /** The home (absolute). */
  readonly home: string;
  /** The SQLite index, or undefined when the store runs on files only. */
  readonly db: StateDb | undefined;
  /** Model provider of threads whose rollout names none. */
  readonly defaultProvider: string;
  /** fsync every rollout write. */
  readonly fsync: boolean;
  /** Mirror changes into Codex's index when the home has one (see `codex-sync.ts`). */
  readonly codexSync: boolean;
  /** Receives each Codex-index sync report. */
  readonly onCodexSync: ((report: CodexSyncReport) => void) | undefined;
  /** Clock (epoch ms). */
  readonly now: () => number;
  /** This process's live writers, one per thread. */
  readonly writers: LiveWriters;
  /** Live writers whose index row already points at their file (see `syncRowPath`). */
  readonly rowPathSynced: WeakSet<LiveWriter>;
  /** Metadata patches of files-only mode. */
  readonly sidecar: PatchSidecar;
  /** Item indexes of rollouts (history pages read from byte offsets). */
  readonly itemIndexes: ItemIndexCache;
  /** Files-only summaries, keyed by path, valid while size and mtime are unchanged. */
  readonly fileRowCache: Map<string, { size: number; mtimeMs: number; row: ThreadRow }>;
}

/** Where a thread's rollout is, as resolved by `locate`. */
export interface Located {
  path: string;
  archived: boolean;
}
