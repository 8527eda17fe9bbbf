import { sessionSourceKey, type StoredThread, type ThreadId } from "@skein/protocol";
import { ConflictError, InvalidRequestError, parseThreadId } from "@skein/thread-store";
import { insertLines, prepareRawLine } from "../internal/history-rows.js";
import type { ImportThreadParams } from "../types.js";
import { guard, transaction, insertThreadRow, type PgStoreContext } from "./context.js";

// Whole-thread copy in (importThread, for copyThreads) and the list of every thread id.

/**
 * Stores a whole thread as given — summary and history, each line's raw text kept byte
 * for byte when `raw` is given — in one transaction. For `copyThreads` and imports.
 * @throws ConflictError `thread <id> already exists` when the id is taken.
 */
export async function importThread(ctx: PgStoreContext, params: ImportThreadParams): Promise<void> {
  const thread = params?.thread;
  const threadId = parseThreadId(thread?.threadId);
  if (!Array.isArray(params.lines)) throw new InvalidRequestError("invalid lines: expected an array");
  return guard(() =>
    transaction(ctx, async (client) => {
      const values = rowValuesOf(thread, params.lines.length);
      const inserted = await insertThreadRow(ctx, client, values);
      if (!inserted) throw new ConflictError(`thread ${threadId} already exists`);
      const lines = params.lines.map(({ line, raw }) => prepareRawLine(raw ?? JSON.stringify(line), line));
      await insertLines(client, ctx.tables, threadId, 0, false, lines);
    }),
  );
}

/** Thread ids of every durable thread (both collections, listable or not), ordered by id. */
export async function listThreadIds(ctx: PgStoreContext): Promise<ThreadId[]> {
  return guard(async () => {
    const { rows } = await ctx.pool.query<{ thread_id: string }>(
      `SELECT thread_id FROM ${ctx.tables.threads} ORDER BY thread_id`,
    );
    return rows.map((r) => r.thread_id);
  });
}

/** The `threads` row of an imported summary. */
function rowValuesOf(thread: StoredThread, lineCount: number): Record<string, unknown> {
  return {
    thread_id: thread.threadId,
    rollout_path: thread.rolloutPath ?? null,
    forked_from_id: thread.forkedFromId ?? null,
    parent_thread_id: thread.parentThreadId ?? null,
    preview: thread.preview === "" ? null : thread.preview,
    name: thread.name ?? null,
    title: thread.title ?? null,
    first_user_message: thread.firstUserMessage ?? null,
    model_provider: thread.modelProvider,
    model: thread.model ?? null,
    reasoning_effort: thread.reasoningEffort ?? null,
    created_at_ms: thread.createdAt,
    updated_at_ms: thread.updatedAt,
    recency_at_ms: thread.recencyAt,
    archived: thread.archived,
    archived_at_ms: thread.archived ? (thread.archivedAt ?? thread.updatedAt) : null,
    cwd: thread.cwd,
    cli_version: thread.cliVersion,
    source: JSON.stringify(thread.source),
    source_key: sessionSourceKey(thread.source),
    thread_source: thread.threadSource ?? null,
    agent_nickname: thread.agentNickname ?? null,
    agent_role: thread.agentRole ?? null,
    agent_path: thread.agentPath ?? null,
    git_sha: thread.gitInfo?.sha ?? null,
    git_branch: thread.gitInfo?.branch ?? null,
    git_origin_url: thread.gitInfo?.originUrl ?? null,
    approval_mode: thread.approvalMode ?? null,
    permission_profile: thread.permissionProfile === undefined ? null : JSON.stringify(thread.permissionProfile),
    tokens_used: thread.tokensUsed ?? null,
    memory_mode: thread.memoryMode,
    history_mode: thread.historyMode,
    next_seq: lineCount,
  };
}
