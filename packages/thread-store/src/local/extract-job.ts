import { extractThreadMetadataIncrementalSync, type ExtractedThreadMetadata } from "@skein/rollout";
import type { ThreadRow } from "@skein/state";

// One unit of reindex work, runnable in this thread or in an extraction worker: plain data in,
// plain data out (structured-clone safe), so the pool and the in-process path share it.

/** A file to extract, and where to resume when only its appended tail is new. */
export interface ExtractJob {
  path: string;
  archived: boolean;
  /** Resume here with {@link previous} (the state at this offset); absent: read from byte 0. */
  fromByteOffset?: number;
  previous?: ExtractedThreadMetadata;
}

/** What extracting one job gave: the metadata, or why the file is unusable. */
export type ExtractOutcome = { ok: ExtractedThreadMetadata } | { error: string };

/** Extracts one job (synchronously); never throws. */
export function runExtractJob(job: ExtractJob, defaultProvider: string): ExtractOutcome {
  try {
    const options = { defaultProvider, archived: job.archived, collectMessages: true };
    const x = job.previous && job.fromByteOffset !== undefined
      ? extractThreadMetadataIncrementalSync(job.path, job.fromByteOffset, job.previous, options)
      : extractThreadMetadataIncrementalSync(job.path, 0, undefined, options);
    if (!x.hasSessionMeta) return { error: "no valid session_meta line" };
    return { ok: x };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The extraction state at `byteOffset` of a file whose row is `row`: lets a reindex read only
 * the bytes appended since. The row holds every fact the fold carries forward (last-wins
 * fields, the first user message, the token total), so folding the tail onto it gives the row
 * a full pass would.
 */
export function previousFromRow(row: ThreadRow, byteOffset: number): ExtractedThreadMetadata {
  const x: ExtractedThreadMetadata = {
    threadId: row.threadId,
    rolloutPath: row.rolloutPath,
    archived: row.archived,
    createdAtMs: row.createdAt,
    updatedAtMs: row.updatedAt,
    cwd: row.cwd,
    source: row.source,
    modelProvider: row.modelProvider,
    approvalMode: row.approvalMode ?? "on-request",
    cliVersion: row.cliVersion,
    memoryMode: row.memoryMode,
    historyMode: row.historyMode,
    needsLineagePreview: false,
    hasSessionMeta: true,
    parseErrors: 0,
    bytesRead: byteOffset,
    size: byteOffset,
  };
  const optional = {
    threadSource: row.threadSource,
    model: row.model,
    reasoningEffort: row.reasoningEffort,
    permissionProfile: row.permissionProfile,
    title: row.title,
    preview: row.preview === "" ? undefined : row.preview,
    firstUserMessage: row.firstUserMessage,
    tokensUsed: row.tokensUsed,
    gitInfo: row.gitInfo,
    forkedFromId: row.forkedFromId,
    parentThreadId: row.parentThreadId,
    agentNickname: row.agentNickname,
    agentRole: row.agentRole,
    agentPath: row.agentPath,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (x as unknown as Record<string, unknown>)[key] = value;
  }
  return x;
}
