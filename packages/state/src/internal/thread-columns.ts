import { sessionSourceKey, type SessionSource } from "@skein/protocol";
import type { ThreadRowInput } from "../thread-row.js";

// The row shape and its mapping live in thread-select.ts (no zod, no protocol: the read-only
// listing path loads only that, docs/cli-startup.md); re-exported for the writers here.
export { rowFromSql, THREAD_COLUMNS, THREAD_SELECT, type SqlThreadRow } from "./thread-select.js";

/** Serializes a source for its two columns: the filter key and the exact JSON. */
export function sourceColumns(source: SessionSource): { source: string; source_json: string } {
  return { source: sessionSourceKey(source), source_json: JSON.stringify(source) };
}

/** The `tokens_used` value: Codex keeps `max(total_tokens, 0)`. */
export function tokensColumn(totalTokens: number): number {
  return Math.max(0, Math.trunc(totalTokens));
}

/**
 * Named parameters for the upsert statement. `updatedAt`/`recencyAt` are passed in already
 * allocated. The `*_given` flags tell the statement which keep-on-update columns to replace.
 */
export function upsertParams(
  row: ThreadRowInput,
  times: { updatedAt: number; recencyAt: number; indexedAt: number },
): Record<string, string | number | null> {
  const preview = row.preview !== "" ? row.preview : (row.firstUserMessage ?? "");
  return {
    id: row.threadId,
    rollout_path: row.rolloutPath,
    created_at_ms: row.createdAt,
    updated_at_ms: times.updatedAt,
    recency_at_ms: times.recencyAt,
    ...sourceColumns(row.source),
    thread_source: row.threadSource ?? null,
    model_provider: row.modelProvider,
    model: row.model ?? null,
    reasoning_effort: row.reasoningEffort ?? null,
    cwd: row.cwd,
    cli_version: row.cliVersion,
    title: row.title ?? null,
    name: row.name ?? null,
    name_given: row.name === undefined ? 0 : 1,
    preview,
    first_user_message: row.firstUserMessage ?? null,
    archived: row.archived ? 1 : 0,
    archived_at_ms: row.archivedAt ?? null,
    forked_from_id: row.forkedFromId ?? null,
    parent_thread_id: row.parentThreadId ?? null,
    git_sha: row.gitInfo?.sha ?? null,
    git_branch: row.gitInfo?.branch ?? null,
    git_origin_url: row.gitInfo?.originUrl ?? null,
    approval_mode: row.approvalMode ?? null,
    permission_profile_json: row.permissionProfile === undefined ? null : JSON.stringify(row.permissionProfile),
    tokens_used: row.tokensUsed === undefined ? null : tokensColumn(row.tokensUsed),
    memory_mode: row.memoryMode ?? "enabled",
    memory_mode_given: row.memoryMode === undefined ? 0 : 1,
    history_mode: row.historyMode ?? "legacy",
    history_mode_given: row.historyMode === undefined ? 0 : 1,
    agent_nickname: row.agentNickname ?? null,
    agent_role: row.agentRole ?? null,
    agent_path: row.agentPath ?? null,
    indexed_at_ms: times.indexedAt,
  };
}

/**
 * `INSERT … ON CONFLICT(id) DO UPDATE` with Codex's upsert rules (docs/state-index.md, "Rows and
 * writes"): recency keeps the existing value; preview keeps the old one when the new is empty;
 * existing git values win; memory/history mode and name change only when given; every other
 * column is overwritten.
 */
export const UPSERT_THREAD_SQL = `INSERT INTO threads (
  id, rollout_path, created_at_ms, updated_at_ms, recency_at_ms, source, source_json, thread_source,
  model_provider, model, reasoning_effort, cwd, cli_version, title, name, preview, first_user_message,
  archived, archived_at_ms, forked_from_id, parent_thread_id, git_sha, git_branch, git_origin_url,
  approval_mode, permission_profile_json, tokens_used, memory_mode, history_mode, agent_nickname,
  agent_role, agent_path, indexed_at_ms
) VALUES (
  @id, @rollout_path, @created_at_ms, @updated_at_ms, @recency_at_ms, @source, @source_json, @thread_source,
  @model_provider, @model, @reasoning_effort, @cwd, @cli_version, @title, @name, @preview, @first_user_message,
  @archived, @archived_at_ms, @forked_from_id, @parent_thread_id, @git_sha, @git_branch, @git_origin_url,
  @approval_mode, @permission_profile_json, @tokens_used, @memory_mode, @history_mode, @agent_nickname,
  @agent_role, @agent_path, @indexed_at_ms
) ON CONFLICT (id) DO UPDATE SET
  rollout_path = excluded.rollout_path,
  created_at_ms = excluded.created_at_ms,
  updated_at_ms = excluded.updated_at_ms,
  source = excluded.source,
  source_json = excluded.source_json,
  thread_source = excluded.thread_source,
  model_provider = excluded.model_provider,
  model = excluded.model,
  reasoning_effort = excluded.reasoning_effort,
  cwd = excluded.cwd,
  cli_version = excluded.cli_version,
  title = excluded.title,
  name = CASE WHEN @name_given = 1 THEN excluded.name ELSE threads.name END,
  preview = COALESCE(NULLIF(excluded.preview, ''), threads.preview),
  first_user_message = excluded.first_user_message,
  archived = excluded.archived,
  archived_at_ms = excluded.archived_at_ms,
  forked_from_id = excluded.forked_from_id,
  parent_thread_id = excluded.parent_thread_id,
  git_sha = COALESCE(threads.git_sha, excluded.git_sha),
  git_branch = COALESCE(threads.git_branch, excluded.git_branch),
  git_origin_url = COALESCE(threads.git_origin_url, excluded.git_origin_url),
  approval_mode = excluded.approval_mode,
  permission_profile_json = excluded.permission_profile_json,
  tokens_used = excluded.tokens_used,
  memory_mode = CASE WHEN @memory_mode_given = 1 THEN excluded.memory_mode ELSE threads.memory_mode END,
  history_mode = CASE WHEN @history_mode_given = 1 THEN excluded.history_mode ELSE threads.history_mode END,
  agent_nickname = excluded.agent_nickname,
  agent_role = excluded.agent_role,
  agent_path = excluded.agent_path,
  indexed_at_ms = excluded.indexed_at_ms`;
