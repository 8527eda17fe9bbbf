import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { newThreadId, type RolloutItem } from "@skein/protocol";
import type { ThreadStore } from "@skein/thread-store";

/** What {@link addDemoThreads} wrote. */
export interface DemoThreads {
  /** Project folders (cwds) of the new threads. */
  projects: string[];
  archivedId: string;
  patchId: string;
}

const item = (type: string, payload: unknown): RolloutItem => ({ type, payload }) as RolloutItem;

/**
 * A few more threads so the demo home is worth a look in the viewer: two other projects
 * (cwds), a multi-turn planning thread, an `apply_patch` edit (the items a Codex session
 * records for it), and an archived experiment. Written through the store, like everything else.
 */
export async function addDemoThreads(
  store: ThreadStore,
  home: string,
  runTurns: (cwd: string, texts: string[], name?: string) => Promise<string>,
): Promise<DemoThreads> {
  const webapp = join(home, "projects", "webapp");
  const infra = join(home, "projects", "infra");
  for (const dir of [webapp, infra]) mkdirSync(dir, { recursive: true });

  await runTurns(infra, ["Plan the **zebra** deployment: what do we roll out first?", "And how do we roll it back?", "Summarize the plan as a checklist."], "zebra rollout plan");
  const archivedId = await runTurns(infra, ["An old experiment we no longer need"], "old experiment");
  await store.archiveThread({ threadId: archivedId });

  const patchId = newThreadId();
  const text = "Fix the typo in the greeting";
  await store.createThread({ threadId: patchId, source: "cli", metadata: { cwd: webapp, modelProvider: "skein-demo" } });
  await store.appendItems({
    threadId: patchId,
    items: [
      item("event_msg", { type: "task_started", turn_id: "demo-turn-1" }),
      item("event_msg", { type: "user_message", message: text }),
      item("response_item", {
        type: "custom_tool_call",
        name: "apply_patch",
        call_id: "call_demo_patch",
        input: "*** Begin Patch\n*** Update File: src/greeting.ts\n@@\n-export const greeting = \"helo world\";\n+export const greeting = \"hello world\";\n*** End Patch",
      }),
      item("response_item", { type: "custom_tool_call_output", call_id: "call_demo_patch", output: "Success. Updated the following files:\nM src/greeting.ts" }),
      item("response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: "Fixed: `helo` → `hello` in `src/greeting.ts`." }] }),
      item("event_msg", { type: "task_complete", turn_id: "demo-turn-1" }),
    ],
  });
  await store.shutdownThread({ threadId: patchId });
  // appendItems records history only; the summary a list shows is metadata (as ThreadSession sets it).
  await store.updateThreadMetadata({ threadId: patchId, patch: { preview: text, firstUserMessage: text, name: "greeting typo" } });
  return { projects: [webapp, infra], archivedId, patchId };
}
