import type { SessionSource, StoredThread } from "@skein/protocol";

/**
 * One thread as `skein list --json` prints it: a fixed key set, ISO-8601 times, and `null` for
 * every absent value, so scripts can rely on each key being there.
 */
export interface ThreadJson {
  id: string;
  name: string | null;
  preview: string | null;
  cwd: string | null;
  source: SessionSource | null;
  modelProvider: string | null;
  model: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  archived: boolean;
  forkedFromId: string | null;
  parentThreadId: string | null;
  rolloutPath: string | null;
}

/** Maps a store's thread summary to the stable JSON shape (see {@link ThreadJson}). */
export function toThreadJson(thread: StoredThread): ThreadJson {
  return {
    id: thread.threadId,
    name: nonEmpty(thread.name),
    preview: nonEmpty(thread.preview),
    cwd: nonEmpty(thread.cwd),
    source: thread.source ?? null,
    modelProvider: nonEmpty(thread.modelProvider),
    model: nonEmpty(thread.model),
    createdAt: isoTime(thread.createdAt),
    updatedAt: isoTime(thread.updatedAt),
    archived: thread.archived,
    forkedFromId: thread.forkedFromId ?? null,
    parentThreadId: thread.parentThreadId ?? null,
    rolloutPath: thread.rolloutPath ?? null,
  };
}

/**
 * The detailed JSON of `skein show --json`: {@link ThreadJson} plus the rest of the summary
 * (title, first user message, recency, git, memory and history modes, tokens).
 */
export function toThreadDetailJson(thread: StoredThread): ThreadJson & Record<string, unknown> {
  return {
    ...toThreadJson(thread),
    title: nonEmpty(thread.title),
    firstUserMessage: nonEmpty(thread.firstUserMessage),
    recencyAt: isoTime(thread.recencyAt),
    archivedAt: isoTime(thread.archivedAt),
    cliVersion: nonEmpty(thread.cliVersion),
    threadSource: thread.threadSource ?? null,
    reasoningEffort: thread.reasoningEffort ?? null,
    approvalMode: thread.approvalMode ?? null,
    gitInfo: thread.gitInfo ?? null,
    tokensUsed: thread.tokensUsed ?? null,
    memoryMode: thread.memoryMode ?? null,
    historyMode: thread.historyMode ?? null,
    agentNickname: thread.agentNickname ?? null,
    agentRole: thread.agentRole ?? null,
  };
}

/** An epoch-ms time as ISO-8601, or null when absent or not a valid time. */
export function isoTime(ms: number | undefined): string | null {
  if (ms === undefined || !Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}
