import type { ThreadMetadataPatch } from "@skein/protocol";
import { sourceColumns, tokensColumn } from "./thread-columns.js";

/** Patch fields that map one-to-one onto a column, value as-is (`null` clears). */
const DIRECT_COLUMNS = {
  name: "name",
  rolloutPath: "rollout_path",
  preview: "preview",
  title: "title",
  modelProvider: "model_provider",
  model: "model",
  reasoningEffort: "reasoning_effort",
  createdAt: "created_at_ms",
  threadSource: "thread_source",
  agentNickname: "agent_nickname",
  agentRole: "agent_role",
  agentPath: "agent_path",
  cwd: "cwd",
  cliVersion: "cli_version",
  approvalMode: "approval_mode",
  firstUserMessage: "first_user_message",
  memoryMode: "memory_mode",
  historyMode: "history_mode",
} as const satisfies Partial<Record<keyof ThreadMetadataPatch, string>>;

const GIT_COLUMNS = { sha: "git_sha", branch: "git_branch", originUrl: "git_origin_url" } as const;

/** Column → value assignments for a validated patch. Time fields are handled by the caller. */
export function patchAssignments(patch: ThreadMetadataPatch): Map<string, string | number | null> {
  const set = new Map<string, string | number | null>();
  for (const [field, column] of Object.entries(DIRECT_COLUMNS)) {
    const value = patch[field as keyof typeof DIRECT_COLUMNS];
    if (value !== undefined) set.set(column, value);
  }
  if (patch.source !== undefined) {
    const cols = sourceColumns(patch.source);
    set.set("source", cols.source).set("source_json", cols.source_json);
  }
  if (patch.permissionProfile !== undefined) {
    set.set("permission_profile_json", patch.permissionProfile === null ? null : JSON.stringify(patch.permissionProfile));
  }
  if (patch.tokenUsage !== undefined) set.set("tokens_used", tokensColumn(patch.tokenUsage.totalTokens));
  if (patch.gitInfo !== undefined) {
    for (const [field, column] of Object.entries(GIT_COLUMNS)) {
      const value = patch.gitInfo[field as keyof typeof GIT_COLUMNS];
      if (value !== undefined) set.set(column, value);
    }
  }
  return set;
}
