import type { StoredThread, ThreadMetadataPatch } from "@skein/protocol";
import type { ThreadRow } from "@skein/state";

/** What `extractThreadMetadata` yields that a row needs (a structural subset; see @skein/rollout). */
export interface ExtractedMetadata {
  threadId: string;
  rolloutPath: string;
  createdAtMs: number;
  updatedAtMs: number;
  cwd?: string | undefined;
  source?: StoredThread["source"] | undefined;
  threadSource?: string | undefined;
  modelProvider?: string | undefined;
  model?: string | undefined;
  reasoningEffort?: string | undefined;
  approvalMode?: string | undefined;
  permissionProfile?: unknown;
  cliVersion?: string | undefined;
  title?: string | undefined;
  preview?: string | undefined;
  firstUserMessage?: string | undefined;
  tokensUsed?: number | undefined;
  gitInfo?: StoredThread["gitInfo"] | undefined;
  forkedFromId?: string | undefined;
  parentThreadId?: string | undefined;
  memoryMode?: StoredThread["memoryMode"] | undefined;
  historyMode?: StoredThread["historyMode"] | undefined;
  agentNickname?: string | undefined;
  agentRole?: string | undefined;
  agentPath?: string | undefined;
}

/** Facts about a file that extraction does not know. */
export interface RowContext {
  archived: boolean;
  /** Name from `session_index.jsonl` (only used for rows new to the index). */
  name?: string | undefined;
  defaultModelProvider: string;
  /** When archived: the archive time (Codex uses the file mtime). */
  archivedAtMs?: number | undefined;
}

/** Builds an index row from a file's extracted metadata (docs/state-index.md, "Deriving a summary"). */
export function rowFromExtracted(x: ExtractedMetadata, ctx: RowContext): ThreadRow {
  const row: Record<string, unknown> = {
    threadId: x.threadId,
    rolloutPath: x.rolloutPath,
    createdAt: x.createdAtMs,
    updatedAt: x.updatedAtMs,
    recencyAt: x.updatedAtMs,
    preview: x.preview ?? x.firstUserMessage ?? "",
    modelProvider: x.modelProvider || ctx.defaultModelProvider,
    cwd: x.cwd ?? "",
    cliVersion: x.cliVersion ?? "",
    source: x.source ?? "unknown",
    archived: ctx.archived,
    memoryMode: x.memoryMode ?? "enabled",
    historyMode: x.historyMode ?? "legacy",
    name: ctx.name || undefined,
    title: x.title || undefined,
    firstUserMessage: x.firstUserMessage || undefined,
    model: x.model,
    reasoningEffort: x.reasoningEffort,
    threadSource: x.threadSource,
    approvalMode: x.approvalMode,
    permissionProfile: x.permissionProfile,
    tokensUsed: x.tokensUsed,
    gitInfo: x.gitInfo && Object.values(x.gitInfo).some((v) => v !== undefined) ? x.gitInfo : undefined,
    forkedFromId: x.forkedFromId,
    parentThreadId: x.parentThreadId,
    agentNickname: x.agentNickname,
    agentRole: x.agentRole,
    agentPath: x.agentPath,
    archivedAt: ctx.archived ? (ctx.archivedAtMs ?? x.updatedAtMs) : undefined,
  };
  return dropUndefined(row) as ThreadRow;
}

/** The API shape of a row: the row minus index bookkeeping. */
export function storedThreadFromRow(row: ThreadRow): StoredThread {
  const { indexedAtMs: _indexedAtMs, ...thread } = row;
  return dropUndefined(thread as Record<string, unknown>) as StoredThread;
}

const SIMPLE_FIELDS = [
  "preview", "title", "modelProvider", "model", "reasoningEffort", "createdAt", "updatedAt",
  "source", "cwd", "cliVersion", "approvalMode", "permissionProfile", "firstUserMessage",
  "memoryMode", "historyMode",
] as const;
const CLEARABLE_FIELDS = ["name", "threadSource", "agentNickname", "agentRole", "agentPath"] as const;

/**
 * Applies a literal patch to a row in memory, with the index's semantics (absent = unchanged,
 * null = clear, `gitInfo` merges per field, `advanceRecencyAt` only moves forward). Used by the
 * files-only mode, where patches live in a sidecar and are overlaid on the file-derived row.
 */
export function applyPatchToRow(row: ThreadRow, patch: ThreadMetadataPatch): ThreadRow {
  const out: Record<string, unknown> = { ...row };
  for (const key of SIMPLE_FIELDS) if (patch[key] !== undefined) out[key] = patch[key];
  for (const key of CLEARABLE_FIELDS) {
    const value = patch[key];
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = value;
  }
  if (patch.tokenUsage !== undefined) out["tokensUsed"] = Math.max(0, patch.tokenUsage.totalTokens);
  if (patch.advanceRecencyAt !== undefined) out["recencyAt"] = Math.max(row.recencyAt, patch.advanceRecencyAt);
  if (patch.gitInfo !== undefined) {
    const git: Record<string, unknown> = { ...(row.gitInfo ?? {}) };
    for (const [k, v] of Object.entries(patch.gitInfo)) {
      if (v === null) delete git[k];
      else if (v !== undefined) git[k] = v;
    }
    if (Object.keys(git).length > 0) out["gitInfo"] = git;
    else delete out["gitInfo"];
  }
  return out as ThreadRow;
}

/** Removes keys whose value is undefined (exactOptionalPropertyTypes-friendly objects). */
export function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
