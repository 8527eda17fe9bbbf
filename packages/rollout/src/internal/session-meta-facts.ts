import { SessionMeta, isThreadId, type HistoryBase, type HistoryMode } from "@skein/protocol";

// The facts of a `session_meta` payload that a summary uses, with the verdict of the lenient
// `SessionMeta` schema, without running zod on the common case: a reindex validates one meta
// per file, and zod's first use in a process (building its lazy schema) cost ~0.1-0.3 s of a
// cold build on the calling thread and again on each worker. A payload whose fields are all
// plainly valid is read directly; anything else (a field of an odd type, a bad id) goes to the
// schema, which decides and sets odd optional fields aside exactly as before.

/** What `extractThreadMetadata` reads from a valid `session_meta`. */
export interface SessionMetaFacts {
  id: string;
  timestamp: string;
  originator?: string | undefined;
  forked_from_id?: string | null | undefined;
  parent_thread_id?: string | null | undefined;
  history_base?: HistoryBase | null | undefined;
  history_mode?: HistoryMode | undefined;
}

const isNonNegativeInteger = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const nullishId = (v: unknown) => v === undefined || v === null || isThreadId(v);

function plainHistoryBase(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v !== "object" || Array.isArray(v)) return false;
  const base = v as Record<string, unknown>;
  return isThreadId(base["thread_id"]) && isNonNegativeInteger(base["end_byte_offset"]) && (base["end_ordinal_exclusive"] === undefined || isNonNegativeInteger(base["end_ordinal_exclusive"]));
}

/** The facts when every field read is plainly valid, else undefined (the schema decides). */
function plainFacts(p: Record<string, unknown>): SessionMetaFacts | undefined {
  const { id, timestamp, cwd, originator, history_mode: mode } = p;
  if (!isThreadId(id) || typeof timestamp !== "string" || typeof cwd !== "string") return undefined;
  if (originator !== undefined && typeof originator !== "string") return undefined;
  if (mode !== undefined && mode !== "legacy" && mode !== "paginated") return undefined;
  if (!nullishId(p["forked_from_id"]) || !nullishId(p["parent_thread_id"]) || !plainHistoryBase(p["history_base"])) return undefined;
  return {
    id,
    timestamp,
    originator,
    forked_from_id: p["forked_from_id"] as string | null | undefined,
    parent_thread_id: p["parent_thread_id"] as string | null | undefined,
    history_base: p["history_base"] as HistoryBase | null | undefined,
    history_mode: mode,
  };
}

/** The facts of a valid `session_meta` payload (odd optional fields left out), or undefined when it is not one. */
export function sessionMetaFacts(payload: Record<string, unknown>): SessionMetaFacts | undefined {
  const plain = plainFacts(payload);
  if (plain) return plain;
  const parsed = SessionMeta.safeParse(payload);
  if (!parsed.success) return undefined;
  const m = parsed.data;
  return {
    id: m.id,
    timestamp: m.timestamp,
    originator: m.originator,
    forked_from_id: m.forked_from_id,
    parent_thread_id: m.parent_thread_id,
    history_base: m.history_base,
    history_mode: m.history_mode,
  };
}
