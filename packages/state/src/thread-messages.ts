import { z } from "zod";
import { statement, type Connection } from "./internal/connection.js";

// The message index of migration 0005 (design: docs/search.md). Every write goes through this
// module: rows of `thread_messages` and `thread_messages_fts` change together, in the caller's
// transaction.

/** Rows of one thread occupy ids `[seq * ID_SPAN, (seq + 1) * ID_SPAN)`. */
export const MESSAGE_ID_SPAN = 16_777_216;

/** One searchable item of a thread's own rollout file. */
export const MessageInput = z.strictObject({
  /** 0-based position among the non-blank lines of the file. */
  position: z.number().int().nonnegative(),
  turnId: z.string().optional(),
  role: z.enum(["user", "assistant", "tool"]),
  atMs: z.number().int().optional(),
  text: z.string(),
});
export type MessageInput = z.infer<typeof MessageInput>;

/**
 * The messages of one thread read from its rollout: `replace` drops what was indexed for the
 * thread and starts again (a full read of the file); `append` adds to it (a read that
 * continued at the recorded offset). The cursor fields say where the read stopped.
 */
export const ThreadMessagesInput = z.strictObject({
  threadId: z.string().min(1),
  mode: z.enum(["replace", "append"]),
  messages: z.array(MessageInput),
  rolloutPath: z.string().min(1),
  byteOffset: z.number().int().nonnegative(),
  itemCount: z.number().int().nonnegative(),
  turnId: z.string().optional(),
});
export type ThreadMessagesInput = z.infer<typeof ThreadMessagesInput>;

/** Where a thread's message index stands (see `StateDb.getMessageState`). */
export interface MessageState {
  threadId: string;
  rolloutPath: string;
  byteOffset: number;
  itemCount: number;
  messageCount: number;
  turnId?: string;
}

interface SqlState {
  thread_id: string;
  thread_seq: number;
  rollout_path: string;
  byte_offset: number;
  item_count: number;
  message_count: number;
  turn_id: string | null;
  inherited_resolved: number;
}

const SELECT_STATE = "SELECT * FROM thread_message_state WHERE thread_id = ?";
const SELECT_THREAD = "SELECT seq, forked_from_id, history_mode FROM threads WHERE id = ?";
const SELECT_RANGE_IDS = "SELECT id FROM thread_messages WHERE id >= ? AND id < ?";
// By rowid, one at a time: FTS5 serves `rowid = ?` from its index, but a rowid *range* in a
// DELETE scans the whole table (measured: 6 ms per empty range at 60k rows).
const DELETE_FTS_ROW = "DELETE FROM thread_messages_fts WHERE rowid = ?";
const DELETE_RANGE = "DELETE FROM thread_messages WHERE id >= ? AND id < ?";

/** Removes the rows of the id range `[lo, hi)` from the content table and the FTS index. */
function deleteRange(conn: Connection, lo: number, hi: number): void {
  const ids = statement(conn, SELECT_RANGE_IDS).pluck().all(lo, hi) as number[];
  if (ids.length === 0) return;
  const del = statement(conn, DELETE_FTS_ROW);
  for (const id of ids) del.run(id);
  statement(conn, DELETE_RANGE).run(lo, hi);
}
const INSERT_MESSAGE =
  "INSERT INTO thread_messages (id, thread_id, position, turn_id, role, at_ms, text, tool_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
const INSERT_FTS = "INSERT INTO thread_messages_fts (rowid, text, tool_text) VALUES (?, ?, ?)";
const UPSERT_STATE = `INSERT OR REPLACE INTO thread_message_state
  (thread_id, thread_seq, rollout_path, byte_offset, item_count, message_count, turn_id, inherited_resolved)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

function stateOf(r: SqlState): MessageState {
  return {
    threadId: r.thread_id,
    rolloutPath: r.rollout_path,
    byteOffset: r.byte_offset,
    itemCount: r.item_count,
    messageCount: r.message_count,
    ...(r.turn_id !== null ? { turnId: r.turn_id } : {}),
  };
}

/**
 * The message index state of `threadId`, or undefined when its messages are not indexed (or
 * were indexed for a thread row that no longer exists: the seq moved).
 */
export function getMessageState(conn: Connection, threadId: string): MessageState | undefined {
  const r = statement(conn, SELECT_STATE).get(threadId) as SqlState | undefined;
  const thread = statement(conn, SELECT_THREAD).get(threadId) as { seq: number } | undefined;
  return r && thread && thread.seq === r.thread_seq ? stateOf(r) : undefined;
}

/** Every state row as `[threadId, rolloutPath, byteOffset]`, for a reindex to compare with its files. */
export function listMessageStates(conn: Connection): Array<[threadId: string, rolloutPath: string, byteOffset: number]> {
  const rows = statement(
    conn,
    "SELECT s.thread_id, s.rollout_path, s.byte_offset FROM thread_message_state s JOIN threads t ON t.id = s.thread_id AND t.seq = s.thread_seq",
  ).raw().all() as Array<[string, string, number]>;
  return rows;
}

/**
 * Writes one thread's messages (no transaction of its own: callers wrap it). Returns false,
 * writing nothing, when the thread has no row. An `append` whose thread has no state (or the
 * state of an older row) is written as a `replace` would be from nothing.
 */
export function writeThreadMessages(conn: Connection, input: ThreadMessagesInput): boolean {
  const thread = statement(conn, SELECT_THREAD).get(input.threadId) as
    | { seq: number; forked_from_id: string | null; history_mode: string }
    | undefined;
  if (!thread) return false;
  const lo = thread.seq * MESSAGE_ID_SPAN;
  const hi = lo + MESSAGE_ID_SPAN;
  const old = statement(conn, SELECT_STATE).get(input.threadId) as SqlState | undefined;
  const continuing = input.mode === "append" && old !== undefined && old.thread_seq === thread.seq;
  if (!continuing) {
    // Rows of this id range may belong to an earlier owner of the seq: always clear it.
    deleteRange(conn, lo, hi);
  }
  let n = continuing ? old.message_count : 0;
  const insert = statement(conn, INSERT_MESSAGE);
  const insertFts = statement(conn, INSERT_FTS);
  for (const m of input.messages) {
    if (n >= MESSAGE_ID_SPAN) break; // 16.7M searchable items in one thread: the rest is not indexed
    const id = lo + n++;
    const text = m.role === "tool" ? null : m.text;
    const toolText = m.role === "tool" ? m.text : null;
    insert.run(id, input.threadId, m.position, m.turnId ?? null, m.role, m.atMs ?? null, text, toolText);
    insertFts.run(id, text, toolText);
  }
  const legacyFork = thread.forked_from_id !== null && thread.history_mode !== "paginated";
  const resolved = continuing ? old.inherited_resolved : legacyFork ? 0 : 1;
  statement(conn, UPSERT_STATE).run(
    input.threadId, thread.seq, input.rolloutPath, input.byteOffset, input.itemCount, n, input.turnId ?? null, resolved,
  );
  return true;
}

/** Deletes a thread's messages and state (its row is going away). */
export function deleteThreadMessages(conn: Connection, threadId: string): void {
  const r = statement(conn, SELECT_STATE).get(threadId) as SqlState | undefined;
  if (!r) return;
  const lo = r.thread_seq * MESSAGE_ID_SPAN;
  const owned = statement(conn, "SELECT id FROM thread_messages WHERE id >= ? AND id < ? AND thread_id = ? LIMIT 1").get(lo, lo + MESSAGE_ID_SPAN, threadId);
  if (owned) deleteRange(conn, lo, lo + MESSAGE_ID_SPAN);
  statement(conn, "DELETE FROM thread_message_state WHERE thread_id = ?").run(threadId);
}

interface SqlMessageKey {
  id: number;
  role: string;
  text: string | null;
  tool_text: string | null;
}

/**
 * Legacy forks copy their parent's history into their own file. Their messages that repeat
 * the parent's, in order from the start, are the inherited ones: they are removed from the
 * fork's index, so one message is found once in a fork family (docs/search.md, "Forks").
 * Runs for every fork whose parent was not indexed when the fork was; a fork whose parent is
 * still not indexed stays pending. Returns how many forks were resolved.
 */
export function resolveInheritedMessages(conn: Connection): number {
  let total = 0;
  // A fork of a pending fork waits for it: repeat while a pass makes progress.
  for (let resolved = resolvePass(conn); resolved > 0; resolved = resolvePass(conn)) total += resolved;
  return total;
}

function resolvePass(conn: Connection): number {
  const pending = statement(
    conn,
    `SELECT s.thread_id, s.thread_seq, t.forked_from_id FROM thread_message_state s
     JOIN threads t ON t.id = s.thread_id AND t.seq = s.thread_seq WHERE s.inherited_resolved = 0`,
  ).all() as { thread_id: string; thread_seq: number; forked_from_id: string | null }[];
  let resolved = 0;
  for (const fork of pending) {
    const parent = fork.forked_from_id ? getMessageState(conn, fork.forked_from_id) : undefined;
    const parentPending = parent
      ? (statement(conn, "SELECT inherited_resolved FROM thread_message_state WHERE thread_id = ?").get(parent.threadId) as { inherited_resolved: number }).inherited_resolved === 0
      : false;
    if (fork.forked_from_id && parent === undefined && threadExists(conn, fork.forked_from_id)) continue; // parent not indexed yet
    if (parentPending) continue; // resolve the parent first (a later call)
    if (parent) removeInheritedPrefix(conn, fork.thread_seq, parent.threadId);
    statement(conn, "UPDATE thread_message_state SET inherited_resolved = 1 WHERE thread_id = ?").run(fork.thread_id);
    resolved++;
  }
  return resolved;
}

function threadExists(conn: Connection, threadId: string): boolean {
  return statement(conn, "SELECT 1 FROM threads WHERE id = ?").get(threadId) !== undefined;
}

function messagesOf(conn: Connection, seq: number): SqlMessageKey[] {
  const lo = seq * MESSAGE_ID_SPAN;
  return statement(conn, "SELECT id, role, text, tool_text FROM thread_messages WHERE id >= ? AND id < ? ORDER BY id").all(
    lo, lo + MESSAGE_ID_SPAN,
  ) as SqlMessageKey[];
}

/**
 * Removes from the fork the longest run of its first messages that equals the parent's
 * lineage, in order. The parent's own inherited prefix was removed already, so the comparison
 * runs against the parent's lineage: its own parent's messages, then its own (recursively).
 */
function removeInheritedPrefix(conn: Connection, forkSeq: number, parentId: string): void {
  const lineage = lineageMessages(conn, parentId, 0);
  const own = messagesOf(conn, forkSeq);
  let k = 0;
  while (k < own.length && k < lineage.length && sameMessage(own[k]!, lineage[k]!)) k++;
  if (k === 0) return;
  const del = statement(conn, "DELETE FROM thread_messages_fts WHERE rowid = ?");
  const delRow = statement(conn, "DELETE FROM thread_messages WHERE id = ?");
  for (let i = 0; i < k; i++) {
    del.run(own[i]!.id);
    delRow.run(own[i]!.id);
  }
}

const MAX_LINEAGE_DEPTH = 64;

function lineageMessages(conn: Connection, threadId: string, depth: number): SqlMessageKey[] {
  const thread = statement(conn, SELECT_THREAD).get(threadId) as { seq: number; forked_from_id: string | null; history_mode: string } | undefined;
  if (!thread) return [];
  const own = messagesOf(conn, thread.seq);
  if (depth >= MAX_LINEAGE_DEPTH || thread.forked_from_id === null || thread.history_mode === "paginated") return own;
  return [...lineageMessages(conn, thread.forked_from_id, depth + 1), ...own];
}

const sameMessage = (a: SqlMessageKey, b: SqlMessageKey) => a.role === b.role && a.text === b.text && a.tool_text === b.tool_text;
