import type { SessionSource } from "@skein/protocol";
import type { ThreadRow } from "../thread-row.js";

// The `threads` row as SQLite returns it and its mapping to the API shape: the one source of truth
// for reading rows, used by the full store and by the read-only path (read-only.ts), which must
// not load zod or the protocol schemas (docs/cli-startup.md). Type imports only.

/** A `threads` row as SQLite returns it (snake_case, nullable columns). */
export interface SqlThreadRow {
  id: string;
  rollout_path: string;
  created_at_ms: number;
  updated_at_ms: number;
  recency_at_ms: number;
  source: string;
  source_json: string;
  thread_source: string | null;
  model_provider: string;
  model: string | null;
  reasoning_effort: string | null;
  cwd: string;
  cli_version: string;
  title: string | null;
  name: string | null;
  preview: string;
  first_user_message: string | null;
  archived: number;
  archived_at_ms: number | null;
  forked_from_id: string | null;
  parent_thread_id: string | null;
  git_sha: string | null;
  git_branch: string | null;
  git_origin_url: string | null;
  approval_mode: string | null;
  permission_profile_json: string | null;
  tokens_used: number | null;
  memory_mode: string;
  history_mode: string;
  agent_nickname: string | null;
  agent_role: string | null;
  agent_path: string | null;
  indexed_at_ms: number | null;
}

/** Every column of `threads` that the API maps, in a stable order (never `seq`). */
export const THREAD_COLUMNS = [
  "id", "rollout_path", "created_at_ms", "updated_at_ms", "recency_at_ms", "source", "source_json",
  "thread_source", "model_provider", "model", "reasoning_effort", "cwd", "cli_version", "title", "name",
  "preview", "first_user_message", "archived", "archived_at_ms", "forked_from_id", "parent_thread_id",
  "git_sha", "git_branch", "git_origin_url", "approval_mode", "permission_profile_json", "tokens_used",
  "memory_mode", "history_mode", "agent_nickname", "agent_role", "agent_path", "indexed_at_ms",
] as const satisfies readonly (keyof SqlThreadRow)[];

/** `t.id, t.rollout_path, …` for SELECTs. */
export const THREAD_SELECT = THREAD_COLUMNS.map((c) => `t.${c}`).join(", ");

/** Maps a SQLite row to the API shape. Absent optional fields stay absent (no `undefined` keys). */
export function rowFromSql(r: SqlThreadRow): ThreadRow {
  const row: ThreadRow = {
    threadId: r.id,
    rolloutPath: r.rollout_path,
    preview: r.preview,
    modelProvider: r.model_provider,
    createdAt: r.created_at_ms,
    updatedAt: r.updated_at_ms,
    recencyAt: r.recency_at_ms,
    archived: r.archived === 1,
    cwd: r.cwd,
    cliVersion: r.cli_version,
    source: JSON.parse(r.source_json) as SessionSource,
    memoryMode: r.memory_mode as ThreadRow["memoryMode"],
    historyMode: r.history_mode as ThreadRow["historyMode"],
  };
  if (r.forked_from_id !== null) row.forkedFromId = r.forked_from_id;
  if (r.parent_thread_id !== null) row.parentThreadId = r.parent_thread_id;
  if (r.name !== null) row.name = r.name;
  if (r.title !== null) row.title = r.title;
  if (r.first_user_message !== null) row.firstUserMessage = r.first_user_message;
  if (r.model !== null) row.model = r.model;
  if (r.reasoning_effort !== null) row.reasoningEffort = r.reasoning_effort;
  if (r.archived_at_ms !== null) row.archivedAt = r.archived_at_ms;
  if (r.thread_source !== null) row.threadSource = r.thread_source;
  if (r.agent_nickname !== null) row.agentNickname = r.agent_nickname;
  if (r.agent_role !== null) row.agentRole = r.agent_role;
  if (r.agent_path !== null) row.agentPath = r.agent_path;
  if (r.git_sha !== null || r.git_branch !== null || r.git_origin_url !== null) {
    row.gitInfo = {};
    if (r.git_sha !== null) row.gitInfo.sha = r.git_sha;
    if (r.git_branch !== null) row.gitInfo.branch = r.git_branch;
    if (r.git_origin_url !== null) row.gitInfo.originUrl = r.git_origin_url;
  }
  if (r.approval_mode !== null) row.approvalMode = r.approval_mode;
  if (r.permission_profile_json !== null) row.permissionProfile = JSON.parse(r.permission_profile_json) as unknown;
  if (r.tokens_used !== null) row.tokensUsed = r.tokens_used;
  if (r.indexed_at_ms !== null) row.indexedAtMs = r.indexed_at_ms;
  return row;
}
