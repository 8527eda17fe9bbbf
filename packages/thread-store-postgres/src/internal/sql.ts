import { sessionSourceKey, type GitInfo, type SessionSource, type StoredThread, type ThreadMetadataPatch } from "@skein/protocol";

/** Quotes a SQL identifier (the schema name is the only identifier that comes from options). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Fully qualified table names of one store schema. */
export interface Tables {
  threads: string;
  items: string;
  writers: string;
  searchTexts: string;
  searchState: string;
}

/** The qualified table names in `schema`. */
export function tablesIn(schema: string): Tables {
  const s = quoteIdent(schema);
  return {
    threads: `${s}.threads`,
    items: `${s}.thread_items`,
    writers: `${s}.thread_writers`,
    searchTexts: `${s}.thread_search_texts`,
    searchState: `${s}.thread_search_state`,
  };
}

/** The `threads` columns a summary is built from (never the search document). */
export const THREAD_COLUMNS = [
  "thread_id", "rollout_path", "forked_from_id", "parent_thread_id", "list_preview", "name", "title",
  "first_user_message", "model_provider", "model", "reasoning_effort", "created_at_ms", "updated_at_ms",
  "recency_at_ms", "archived", "archived_at_ms", "cwd", "cli_version", "source", "thread_source",
  "agent_nickname", "agent_role", "agent_path", "git_sha", "git_branch", "git_origin_url", "approval_mode",
  "permission_profile", "tokens_used", "memory_mode", "history_mode",
].join(", ");

/** A `threads` row as `pg` returns it (bigint columns arrive as strings). */
export interface ThreadRow {
  thread_id: string;
  rollout_path: string | null;
  forked_from_id: string | null;
  parent_thread_id: string | null;
  list_preview: string;
  name: string | null;
  title: string | null;
  first_user_message: string | null;
  model_provider: string;
  model: string | null;
  reasoning_effort: string | null;
  created_at_ms: string;
  updated_at_ms: string;
  recency_at_ms: string;
  archived: boolean;
  archived_at_ms: string | null;
  cwd: string;
  cli_version: string;
  source: SessionSource;
  thread_source: string | null;
  agent_nickname: string | null;
  agent_role: string | null;
  agent_path: string | null;
  git_sha: string | null;
  git_branch: string | null;
  git_origin_url: string | null;
  approval_mode: string | null;
  permission_profile: unknown;
  tokens_used: string | null;
  memory_mode: StoredThread["memoryMode"];
  history_mode: StoredThread["historyMode"];
}

/** Maps a row to the API summary: NULL columns become absent fields. */
export function toStoredThread(row: ThreadRow): StoredThread {
  const thread: StoredThread = {
    threadId: row.thread_id,
    preview: row.list_preview,
    modelProvider: row.model_provider,
    createdAt: Number(row.created_at_ms),
    updatedAt: Number(row.updated_at_ms),
    recencyAt: Number(row.recency_at_ms),
    archived: row.archived,
    cwd: row.cwd,
    cliVersion: row.cli_version,
    source: row.source,
    memoryMode: row.memory_mode,
    historyMode: row.history_mode,
  };
  const git: GitInfo = {};
  if (row.git_sha !== null) git.sha = row.git_sha;
  if (row.git_branch !== null) git.branch = row.git_branch;
  if (row.git_origin_url !== null) git.originUrl = row.git_origin_url;
  const optional: Partial<StoredThread> = {
    rolloutPath: row.rollout_path ?? undefined,
    forkedFromId: row.forked_from_id ?? undefined,
    parentThreadId: row.parent_thread_id ?? undefined,
    name: row.name ?? undefined,
    title: row.title ?? undefined,
    firstUserMessage: row.first_user_message ?? undefined,
    model: row.model ?? undefined,
    reasoningEffort: row.reasoning_effort ?? undefined,
    archivedAt: row.archived_at_ms === null ? undefined : Number(row.archived_at_ms),
    threadSource: row.thread_source ?? undefined,
    agentNickname: row.agent_nickname ?? undefined,
    agentRole: row.agent_role ?? undefined,
    agentPath: row.agent_path ?? undefined,
    gitInfo: Object.keys(git).length > 0 ? git : undefined,
    approvalMode: row.approval_mode ?? undefined,
    permissionProfile: row.permission_profile ?? undefined,
    tokensUsed: row.tokens_used === null ? undefined : Number(row.tokens_used),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (thread as Record<string, unknown>)[key] = value;
  }
  return thread;
}

/** A parameterised `SET` list: `clauses` use `$n` placeholders numbered after `offset`. */
export interface SetList {
  clauses: string[];
  values: unknown[];
}

type PlainColumn = readonly [keyof ThreadMetadataPatch, string];

// Fields whose patch value is written as is (`null` in a clearable field clears the column).
const PLAIN: readonly PlainColumn[] = [
  ["name", "name"], ["rolloutPath", "rollout_path"], ["preview", "preview"], ["title", "title"],
  ["modelProvider", "model_provider"], ["model", "model"], ["reasoningEffort", "reasoning_effort"],
  ["createdAt", "created_at_ms"], ["updatedAt", "updated_at_ms"], ["threadSource", "thread_source"],
  ["agentNickname", "agent_nickname"], ["agentRole", "agent_role"], ["agentPath", "agent_path"], ["cwd", "cwd"],
  ["cliVersion", "cli_version"], ["approvalMode", "approval_mode"], ["firstUserMessage", "first_user_message"],
  ["memoryMode", "memory_mode"], ["historyMode", "history_mode"],
];

/**
 * The `SET` list of a parsed literal patch: absent fields are left out, `null` clears a
 * clearable column, `gitInfo` sets or clears each of its fields, `advanceRecencyAt` only
 * moves `recency_at_ms` forward. Placeholders start at `$<offset + 1>`.
 */
export function patchSetList(patch: ThreadMetadataPatch, offset: number): SetList {
  const clauses: string[] = [];
  const values: unknown[] = [];
  const set = (column: string, value: unknown, cast = ""): void => {
    values.push(value);
    clauses.push(`${column} = $${offset + values.length}${cast}`);
  };
  for (const [field, column] of PLAIN) {
    const value = patch[field];
    if (value !== undefined) set(column, value);
  }
  if (patch.advanceRecencyAt !== undefined) {
    values.push(patch.advanceRecencyAt);
    clauses.push(`recency_at_ms = GREATEST(recency_at_ms, $${offset + values.length})`);
  }
  if (patch.source !== undefined) {
    set("source", JSON.stringify(patch.source), "::jsonb");
    set("source_key", sessionSourceKey(patch.source));
  }
  // A plain optional field treats null like absent (Codex's codec); only a value sets it.
  if (patch.permissionProfile !== undefined && patch.permissionProfile !== null) {
    set("permission_profile", JSON.stringify(patch.permissionProfile), "::jsonb");
  }
  if (patch.tokenUsage !== undefined) set("tokens_used", Math.max(Math.trunc(patch.tokenUsage.totalTokens), 0));
  const git = patch.gitInfo;
  if (git) {
    if (git.sha !== undefined) set("git_sha", git.sha);
    if (git.branch !== undefined) set("git_branch", git.branch);
    if (git.originUrl !== undefined) set("git_origin_url", git.originUrl);
  }
  return { clauses, values };
}
