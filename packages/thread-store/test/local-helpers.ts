import { newThreadId, type RolloutItem } from "@skein/protocol";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { LocalThreadStore, type LocalThreadStoreOptions } from "../src/index.js";
import type { CreateThreadParams } from "../src/types.js";

/** A temp home and the stores opened over it (closed and removed by `cleanup`). */
export interface LocalHome {
  home: string;
  open(options?: Partial<LocalThreadStoreOptions>): Promise<LocalThreadStore>;
  cleanup(): Promise<void>;
}

/** Makes a fresh temp home. */
export function localHome(dir: TempDir = makeTempDir("skein-local-")): LocalHome {
  const stores: LocalThreadStore[] = [];
  return {
    home: dir.path,
    async open(options = {}) {
      const store = await LocalThreadStore.open({ home: dir.path, ...options });
      stores.push(store);
      return store;
    },
    async cleanup() {
      for (const store of stores) await store.close();
      dir.cleanup();
    },
  };
}

/** Create params for a thread in `/repo`. */
export function createParams(overrides: Partial<CreateThreadParams> = {}): CreateThreadParams {
  return { threadId: newThreadId(), source: "cli", metadata: { cwd: "/repo", modelProvider: "openai" }, ...overrides };
}

/** A Codex-shaped user turn: task_started, user_message, assistant message, task_complete. */
export function userTurn(text: string, turnId = `turn-${text.length}-${Math.random().toString(36).slice(2, 8)}`): RolloutItem[] {
  return [
    { type: "event_msg", payload: { type: "task_started", turn_id: turnId } },
    { type: "response_item", payload: { type: "message", role: "user", content: [{ type: "input_text", text }] } },
    { type: "event_msg", payload: { type: "user_message", message: text, images: [] } },
    { type: "response_item", payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: `re: ${text}` }] } },
    { type: "event_msg", payload: { type: "agent_message", message: `re: ${text}` } },
    { type: "event_msg", payload: { type: "task_complete", turn_id: turnId } },
  ];
}

/** Every listed thread of one collection, read page by page (small pages, to exercise the cursor). */
export async function listAllThreads(store: LocalThreadStore, archived: boolean) {
  const out = [];
  let cursor: string | undefined;
  do {
    const page = await store.listThreads({ archived, pageSize: 2, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
