import { z } from "zod";
import { DynamicToolSpec } from "./dynamic-tool.js";
import { SessionSource } from "./session-source.js";
import { ThreadId } from "./thread-id.js";
import { lenientObject } from "./lenient-object.js";

/** Git facts recorded in `session_meta.git`. Each field may be absent or null (cleared). */
export const RolloutGitInfo = z.looseObject({
  commit_hash: z.string().nullish(),
  branch: z.string().nullish(),
  repository_url: z.string().nullish(),
});
export type RolloutGitInfo = z.infer<typeof RolloutGitInfo>;

/** Where a paginated fork's inherited history ends in its parent's file. */
export const HistoryBase = z.looseObject({
  thread_id: ThreadId,
  end_ordinal_exclusive: z.number().int().nonnegative().optional(),
  end_byte_offset: z.number().int().nonnegative(),
});
export type HistoryBase = z.infer<typeof HistoryBase>;

export const HistoryMode = z.enum(["legacy", "paginated"]);
export type HistoryMode = z.infer<typeof HistoryMode>;

export const MemoryMode = z.enum(["enabled", "disabled", "polluted"]);
export type MemoryMode = z.infer<typeof MemoryMode>;

/**
 * The payload of a `session_meta` line: the first line of every rollout. Later copies
 * (memory mode or git changes on a cold thread) repeat it; the first one is canonical.
 * Loose: fields from newer writers (`account_scoped`, `context_window`, ...) survive.
 * Lenient like Codex: only `id`, `timestamp` and `cwd` must validate; an optional field of an
 * unexpected type or enum value is set aside as written ({@link unexpectedFieldsOf}), never a
 * reason to drop the thread.
 */
export const SessionMeta = lenientObject(
  { id: ThreadId, timestamp: z.string(), cwd: z.string() },
  {
    session_id: z.string().optional(),
    forked_from_id: ThreadId.nullish(),
    forked_from_ordinal_exclusive: z.number().int().optional(),
    parent_thread_id: ThreadId.nullish(),
    originator: z.string().optional(),
    cli_version: z.string().optional(),
    source: SessionSource.optional(),
    thread_source: z.string().nullish(),
    agent_nickname: z.string().nullish(),
    agent_role: z.string().nullish(),
    agent_path: z.string().nullish(),
    model_provider: z.string().nullish(),
    base_instructions: z.looseObject({ text: z.string() }).nullish(),
    dynamic_tools: z.array(DynamicToolSpec).nullish(),
    memory_mode: MemoryMode.nullish(),
    history_mode: HistoryMode.optional(),
    history_base: HistoryBase.nullish(),
    multi_agent_version: z.string().nullish(),
    git: RolloutGitInfo.nullish(),
  },
);
export type SessionMeta = z.infer<typeof SessionMeta>;
