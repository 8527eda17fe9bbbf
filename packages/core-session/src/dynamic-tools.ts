import { DynamicToolSpec, type RolloutItem, type SessionMeta, type ThreadId, toCodexDynamicTool } from "@skein/protocol";
import { InvalidSessionRequestError } from "./errors.js";
import { sessionMetaOf } from "./session-meta-of.js";

// Behaviour: docs/live-threads.md, "Dynamic tools". Tools live only in the rollout's session_meta, never
// in SQLite. Codex restores them from the FIRST session_meta; Skein also records tools added
// on a later resume as an appended session_meta copy and reads the LAST own copy (see README).

/** How tools passed on resume or fork combine with the stored ones. */
export type DynamicToolsMode = "merge" | "replace";

/**
 * The identity of a tool: its namespace and name. Two tools with the same key are the same
 * tool in different versions.
 */
export function dynamicToolKey(tool: DynamicToolSpec): string {
  return `${tool.namespace ?? ""}\u0000${tool.name}`;
}

/**
 * Validates caller-supplied tools and converts them to the form Codex 0.169 writes into
 * `session_meta` (`{type:"function", name, description, inputSchema}`), so Codex reads them back.
 * @throws InvalidSessionRequestError for a malformed tool or two tools with the same namespace and name.
 */
export function normalizeDynamicTools(tools: readonly unknown[]): DynamicToolSpec[] {
  const seen = new Set<string>();
  return tools.map((raw, index) => {
    const parsed = DynamicToolSpec.safeParse(raw);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "tool"}: ${i.message}`).join("; ");
      throw new InvalidSessionRequestError(`dynamic tool #${index} is invalid: ${detail}`, { cause: parsed.error });
    }
    const key = dynamicToolKey(parsed.data);
    if (seen.has(key)) throw new InvalidSessionRequestError(`duplicate dynamic tool ${parsed.data.name}`);
    seen.add(key);
    return toCodexDynamicTool(parsed.data);
  });
}

/**
 * The tool set to use when a caller passes `passed` for a thread that stored `stored`.
 *
 * `merge` (the default): the stored tools first, in stored order; a passed tool with the same
 * (namespace, name) replaces the stored one in place; new passed tools are appended in the
 * order given. So a tool added on a later resume is kept, and none is lost.
 * `replace`: Codex's rule: the passed tools when there are any, otherwise the stored ones.
 */
export function mergeDynamicTools(
  stored: readonly DynamicToolSpec[],
  passed: readonly DynamicToolSpec[],
  mode: DynamicToolsMode = "merge",
): DynamicToolSpec[] {
  if (passed.length === 0) return [...stored];
  if (mode === "replace") return [...passed];
  const byKey = new Map(passed.map((tool) => [dynamicToolKey(tool), tool]));
  const merged = stored.map((tool) => {
    const key = dynamicToolKey(tool);
    const replacement = byKey.get(key);
    if (!replacement) return tool;
    byKey.delete(key);
    return replacement;
  });
  return [...merged, ...byKey.values()];
}

/**
 * Key of the marker Skein writes into a `session_meta` copy that records a changed tool set:
 * the revision number (1, 2, ...). Codex ignores unknown `session_meta` keys.
 */
export const DYNAMIC_TOOLS_REVISION_KEY = "dynamic_tools_revision";

/**
 * The dynamic tools recorded in a history: those of the thread's own latest `session_meta`
 * copy that carries {@link DYNAMIC_TOOLS_REVISION_KEY} (a change recorded on resume), else
 * those of its own first `session_meta`. Unmarked copies (a store's memory-mode or git copy of
 * the head line) never count, so they cannot undo a recorded change. Entries that do not parse
 * are skipped rather than failing a resume. Empty when nothing is recorded.
 */
export function dynamicToolsFromHistory(history: readonly Pick<RolloutItem, "type" | "payload">[], threadId?: ThreadId): DynamicToolSpec[] {
  const own = sessionMetaOf(history, threadId);
  if (!own) return [];
  let tools = own.first.dynamic_tools ?? [];
  for (const item of history) {
    if (item.type !== "session_meta") continue;
    const meta = item.payload as SessionMeta;
    if (meta.id === own.first.id && typeof meta[DYNAMIC_TOOLS_REVISION_KEY] === "number") tools = meta.dynamic_tools ?? [];
  }
  const out: DynamicToolSpec[] = [];
  for (const tool of tools) {
    const parsed = DynamicToolSpec.safeParse(tool);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/**
 * The `session_meta` copy that records `tools` as the thread's tool set: the thread's latest
 * own meta with `dynamic_tools` replaced and the revision marker bumped. Append it through the
 * thread's `LiveThread` so it is ordered with the rest of the history.
 */
export function dynamicToolsRecord(history: readonly Pick<RolloutItem, "type" | "payload">[], threadId: ThreadId, tools: readonly DynamicToolSpec[]): RolloutItem | undefined {
  const own = sessionMetaOf(history, threadId);
  if (!own) return undefined;
  let revision = 0;
  for (const item of history) {
    const value = item.type === "session_meta" ? (item.payload as SessionMeta)[DYNAMIC_TOOLS_REVISION_KEY] : undefined;
    if (typeof value === "number" && value > revision) revision = value;
  }
  const payload: SessionMeta = { ...own.last, dynamic_tools: tools.map(toCodexDynamicTool), [DYNAMIC_TOOLS_REVISION_KEY]: revision + 1 };
  return { type: "session_meta", payload };
}

/** True when two tool lists are the same, in the same order. */
export function sameDynamicTools(a: readonly DynamicToolSpec[], b: readonly DynamicToolSpec[]): boolean {
  return a.length === b.length && a.every((tool, i) => JSON.stringify(tool) === JSON.stringify(b[i]));
}
