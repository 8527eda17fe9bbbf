import { z } from "zod";
import { HistoryMode, MemoryMode } from "./session-meta.js";
import { SessionSource } from "./session-source.js";
import { ThreadId } from "./thread-id.js";

/** A time in milliseconds since the Unix epoch. */
export const EpochMs = z.number().int().nonnegative().max(8.64e15);

/** Git facts of a thread, camelCase. In a patch each field is clearable (null = clear). */
export const GitInfoPatch = z.strictObject({
  sha: z.string().nullable().optional(),
  branch: z.string().nullable().optional(),
  originUrl: z.string().nullable().optional(),
});
export type GitInfoPatch = z.infer<typeof GitInfoPatch>;

export const GitInfo = z.object({
  sha: z.string().optional(),
  branch: z.string().optional(),
  originUrl: z.string().optional(),
});
export type GitInfo = z.infer<typeof GitInfo>;

export const TokenUsage = z.looseObject({ totalTokens: z.number() });
export type TokenUsage = z.infer<typeof TokenUsage>;

const clearable = <T extends z.ZodType>(t: T) => t.nullable().optional();

/**
 * The one literal metadata patch shape (`ThreadStore.updateThreadMetadata`). A field that
 * is absent leaves the value unchanged; a value sets it; `null` clears a clearable field.
 * `gitInfo` merges field by field. Strict: an unknown key is an error, not a silent no-op.
 * Times are epoch milliseconds.
 */
export const ThreadMetadataPatch = z.strictObject({
  name: clearable(z.string().max(4096)),
  rolloutPath: z.string().optional(),
  preview: z.string().optional(),
  title: z.string().optional(),
  modelProvider: z.string().optional(),
  model: z.string().optional(),
  reasoningEffort: z.string().optional(),
  createdAt: EpochMs.optional(),
  updatedAt: EpochMs.optional(),
  advanceRecencyAt: EpochMs.optional(),
  source: SessionSource.optional(),
  threadSource: clearable(z.string()),
  agentNickname: clearable(z.string()),
  agentRole: clearable(z.string()),
  agentPath: clearable(z.string()),
  cwd: z.string().optional(),
  cliVersion: z.string().optional(),
  approvalMode: z.string().optional(),
  permissionProfile: z.unknown().optional(),
  tokenUsage: TokenUsage.optional(),
  firstUserMessage: z.string().optional(),
  gitInfo: GitInfoPatch.optional(),
  memoryMode: MemoryMode.optional(),
  historyMode: HistoryMode.optional(),
});
export type ThreadMetadataPatch = z.infer<typeof ThreadMetadataPatch>;

/** Patch fields that record facts observed in history (as opposed to user mutations). */
export const OBSERVED_PATCH_FIELDS = [
  "rolloutPath", "preview", "title", "modelProvider", "model", "reasoningEffort", "createdAt",
  "source", "threadSource", "agentNickname", "agentRole", "agentPath", "cwd", "cliVersion",
  "approvalMode", "permissionProfile", "tokenUsage", "firstUserMessage",
] as const satisfies readonly (keyof ThreadMetadataPatch)[];

/** True when the patch sets, clears or changes nothing. */
export function isEmptyPatch(patch: ThreadMetadataPatch): boolean {
  return Object.values(patch).every((v) => v === undefined);
}

/** True when the patch carries at least one observed fact. */
export function hasObservedFacts(patch: ThreadMetadataPatch): boolean {
  return OBSERVED_PATCH_FIELDS.some((k) => patch[k] !== undefined);
}

/**
 * Merges `next` over `base` with presence semantics: a field present in `next` (a value or
 * a clear) replaces the base; `gitInfo` merges recursively.
 */
export function mergePatch(base: ThreadMetadataPatch, next: ThreadMetadataPatch): ThreadMetadataPatch {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    if (key === "gitInfo" && base.gitInfo && value !== null) {
      out[key] = { ...base.gitInfo, ...stripUndefined(value as GitInfoPatch) };
    } else {
      out[key] = value;
    }
  }
  return out as ThreadMetadataPatch;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A thread's summary as every store returns it (camelCase API shape; times in epoch ms).
 * `name` is the user-set display name, `title` a derived one; `preview` is list text.
 */
export const StoredThread = z.object({
  threadId: ThreadId,
  rolloutPath: z.string().optional(),
  forkedFromId: ThreadId.optional(),
  parentThreadId: ThreadId.optional(),
  preview: z.string(),
  name: z.string().optional(),
  title: z.string().optional(),
  firstUserMessage: z.string().optional(),
  modelProvider: z.string(),
  model: z.string().optional(),
  reasoningEffort: z.string().optional(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
  recencyAt: EpochMs,
  archivedAt: EpochMs.optional(),
  archived: z.boolean(),
  cwd: z.string(),
  cliVersion: z.string(),
  source: SessionSource,
  threadSource: z.string().optional(),
  agentNickname: z.string().optional(),
  agentRole: z.string().optional(),
  agentPath: z.string().optional(),
  gitInfo: GitInfo.optional(),
  approvalMode: z.string().optional(),
  permissionProfile: z.unknown().optional(),
  tokensUsed: z.number().optional(),
  memoryMode: MemoryMode,
  historyMode: HistoryMode,
});
export type StoredThread = z.infer<typeof StoredThread>;
