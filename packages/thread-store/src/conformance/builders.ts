import { join } from "node:path";
import { tmpdir } from "node:os";
import { expect } from "vitest";
import { newThreadId, type RolloutItem, type StoredThread, type ThreadId, type ThreadMetadataPatch } from "@skein/protocol";
import { isThreadStoreError, type ThreadStoreError } from "../errors.js";
import type { ThreadStore } from "../thread-store.js";
import type { CreateThreadParams } from "../types.js";

/** A valid thread id that no test ever creates. */
export const NEVER_CREATED: ThreadId = "01900000-0000-7000-8000-000000000000";
/** Working directories used by threads the suite creates (they need not exist). */
export const CWD_A = join(tmpdir(), "skein-conformance", "alpha");
export const CWD_B = join(tmpdir(), "skein-conformance", "beta");

/** Create params for a new thread, with realistic defaults and `overrides` on top. */
export function createParams(overrides: Partial<CreateThreadParams> = {}): CreateThreadParams {
  const { metadata, ...rest } = overrides;
  return {
    threadId: newThreadId(),
    source: "cli",
    baseInstructions: "You are a careful coding agent.",
    originator: "skein_conformance",
    cliVersion: "0.169.0",
    ...rest,
    metadata: { cwd: CWD_A, modelProvider: "openai", ...metadata },
  };
}

/** Options of {@link userTurn}. */
export interface UserTurnOptions {
  turnId?: string;
  reply?: string;
  /** How the turn ends: `complete` (default), `aborted`, or `open` (still running). */
  end?: "complete" | "aborted" | "open";
}

/**
 * The records of one Codex user turn, shaped like Codex 0.169 writes them: `task_started`,
 * `turn_context`, the user message (model input and event), the assistant reply (model
 * output and event), then `task_complete` or `turn_aborted` unless the turn is open.
 */
export function userTurn(text: string, options: UserTurnOptions = {}): RolloutItem[] {
  const turnId = options.turnId ?? newThreadId();
  const reply = options.reply ?? `echo: ${text}`;
  const items: RolloutItem[] = [
    { type: "event_msg", payload: { type: "task_started", turn_id: turnId, model_context_window: 258400, collaboration_mode_kind: "default" } },
    { type: "turn_context", payload: { turn_id: turnId, cwd: CWD_A, approval_policy: "on-request", sandbox_policy: { type: "read-only" }, model: "gpt-5.1-codex", summary: "auto" } },
    { type: "response_item", payload: { type: "message", role: "user", content: [{ type: "input_text", text }] } },
    { type: "event_msg", payload: { type: "user_message", message: text, images: [], local_images: [], text_elements: [] } },
    { type: "response_item", payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: reply, annotations: [] }] } },
    { type: "event_msg", payload: { type: "agent_message", message: reply, phase: null } },
  ];
  if (options.end === "aborted") items.push({ type: "event_msg", payload: { type: "turn_aborted", turn_id: turnId, reason: "interrupted" } });
  else if (options.end !== "open") items.push({ type: "event_msg", payload: { type: "task_complete", turn_id: turnId, last_agent_message: reply } });
  return items;
}

/** Records that Codex's persistence policy drops (streaming deltas, begin events, `other`). */
export function transientItems(): RolloutItem[] {
  return [
    { type: "event_msg", payload: { type: "agent_message_delta", delta: "par" } },
    { type: "event_msg", payload: { type: "exec_command_begin", call_id: "call_1", command: ["ls"] } },
    { type: "response_item", payload: { type: "other" } },
  ];
}

/** Options of {@link seedThread}. */
export interface SeedOptions {
  create?: Partial<CreateThreadParams>;
  /** User messages, one turn each (default one turn). An empty list writes no turn. */
  messages?: string[];
  /** Applied after the history, like LiveThread does; `preview` defaults to the first message. */
  patch?: ThreadMetadataPatch;
  /** Leave the live writer open (default: shut down). */
  keepWriter?: boolean;
}

/**
 * Creates a durable, listable thread the way a live session does: create, persist, append
 * the turns, flush, then apply the observed metadata (preview and first user message)
 * through `updateThreadMetadata`. Returns the thread as the store reports it afterwards.
 */
export async function seedThread(store: ThreadStore, options: SeedOptions = {}): Promise<StoredThread> {
  const params = createParams(options.create);
  const messages = options.messages ?? ["list the files in this repo"];
  await store.createThread(params);
  await store.persistThread({ threadId: params.threadId });
  for (const message of messages) await store.appendItems({ threadId: params.threadId, items: userTurn(message) });
  await store.flushThread({ threadId: params.threadId });
  const first = messages[0];
  const observed: ThreadMetadataPatch = first === undefined ? {} : { preview: first, firstUserMessage: first };
  const thread = await store.updateThreadMetadata({ threadId: params.threadId, patch: { ...observed, ...options.patch }, includeArchived: true });
  if (!options.keepWriter) await store.shutdownThread({ threadId: params.threadId });
  return thread;
}

/** Runs `action` and returns the `ThreadStoreError` it rejects with; fails the test otherwise. */
export async function rejection(action: Promise<unknown>): Promise<ThreadStoreError> {
  try {
    await action;
  } catch (error) {
    expect(isThreadStoreError(error), `expected a ThreadStoreError, got ${String(error)}`).toBe(true);
    return error as ThreadStoreError;
  }
  expect.fail("expected the call to reject");
}

/**
 * Asserts that `action` rejects with an error of `expected`'s code and exact message.
 * Compares codes rather than classes, so a store built against another copy of this
 * package still passes.
 */
export async function expectRejects(action: Promise<unknown>, expected: ThreadStoreError): Promise<void> {
  const error = await rejection(action);
  expect({ code: error.code, message: error.message }).toEqual({ code: expected.code, message: expected.message });
}

/** Asserts that `action` rejects with `code` and a message that contains every fragment. */
export async function expectRejectsWith(action: Promise<unknown>, code: ThreadStoreError["code"], ...fragments: string[]): Promise<void> {
  const error = await rejection(action);
  expect(error.code).toBe(code);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
}

/** Lists every page of a query and returns all ids in order. */
export async function listAllIds(store: ThreadStore, params: Parameters<ThreadStore["listThreads"]>[0]): Promise<ThreadId[]> {
  const ids: ThreadId[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await store.listThreads({ ...params, ...(cursor !== undefined ? { cursor } : {}) });
    ids.push(...result.items.map((t) => t.threadId));
    cursor = result.nextCursor;
    if (cursor === undefined) return ids;
  }
  throw new Error("conformance: listThreads never stopped returning a cursor");
}

/** A cursor with one character in its middle changed. */
export function tamper(cursor: string): string {
  const at = Math.floor(cursor.length / 2);
  const replacement = cursor[at] === "A" ? "B" : "A";
  return cursor.slice(0, at) + replacement + cursor.slice(at + 1);
}
