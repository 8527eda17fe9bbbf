import { execFile } from "node:child_process";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { ScriptedModel, ThreadManager } from "@skein/core-session";
import { newThreadId, type RolloutItem } from "@skein/protocol";
import type { ThreadStore } from "@skein/thread-store";
import type { Page } from "playwright-core";
import { SKEIN_BIN } from "../src/serve-process.js";

/** A prompt whose text would run script if any view rendered it as HTML. */
export const XSS_TEXT = `hello <script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;

/** Runs the built `skein` with `args` and parses its JSON stdout. */
export async function skeinJson<T>(args: readonly string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, [SKEIN_BIN, ...args], { encoding: "utf8", timeout: 60_000, env: { PATH: process.env["PATH"] ?? "", NO_COLOR: "1" } });
  return JSON.parse(stdout) as T;
}

/** Runs the built `skein` and resolves to its exit code (and output). */
export async function skeinCode(args: readonly string[]): Promise<number> {
  try {
    await promisify(execFile)(process.execPath, [SKEIN_BIN, ...args], { encoding: "utf8", timeout: 60_000, env: { PATH: process.env["PATH"] ?? "", NO_COLOR: "1" } });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? 1;
  }
}

/** A thread of `turns` scripted turns ("question N" → "hi from scripted model …"), written through `ThreadManager`. */
export async function writeLongThread(store: ThreadStore, cwd: string, turns: number, provider = "openai"): Promise<string> {
  const manager = new ThreadManager({ store, defaults: { modelProvider: provider, cwd } });
  const session = await manager.startThread({ cwd });
  const model = new ScriptedModel();
  for (let n = 1; n <= turns; n++) await session.runTurn({ userText: `question ${n}`, model });
  await manager.shutdownAll();
  return session.threadId;
}

/** A thread whose assistant edits a file with `apply_patch` (a Codex custom tool call). */
export async function writePatchThread(store: ThreadStore, cwd: string, provider = "openai"): Promise<string> {
  const threadId = newThreadId();
  await store.createThread({ threadId, source: "cli", metadata: { cwd, modelProvider: provider } });
  const item = (type: string, payload: unknown) => ({ type, payload }) as RolloutItem;
  await store.appendItems({
    threadId,
    items: [
      item("event_msg", { type: "task_started", turn_id: "t1" }),
      item("event_msg", { type: "user_message", message: "please fix the greeting" }),
      item("response_item", {
        type: "custom_tool_call",
        name: "apply_patch",
        call_id: "call_patch",
        input: "*** Begin Patch\n*** Update File: greeting.txt\n@@\n-hello wrold\n+hello world\n*** End Patch",
      }),
      item("response_item", { type: "custom_tool_call_output", call_id: "call_patch", output: "Success. Updated the following files:\nM greeting.txt" }),
      item("response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: "Fixed the **typo**." }] }),
      item("event_msg", { type: "task_complete", turn_id: "t1" }),
    ],
  });
  await store.shutdownThread({ threadId });
  // appendItems never derives metadata (a session layer does): say what the list shows.
  const text = "please fix the greeting";
  await store.updateThreadMetadata({ threadId, patch: { preview: text, firstUserMessage: text, updatedAt: Date.now() } });
  return threadId;
}

/** A page on another origin that tries to change a thread through the viewer (a CSRF attempt). */
export async function startAttackerSite(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>attacker</title><p>nothing to see</p>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => (server.close(() => resolve()), server.closeAllConnections())) };
}

/** A raw GET with any Host header (a browser would not let us choose it). */
export function getWithHost(port: number, path: string, host: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host, cookie } }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
    req.on("error", reject);
    req.end();
  });
}

/** The ids of the rows the list shows, top to bottom. */
export function rowIds(page: Page): Promise<string[]> {
  return page.locator("#threads .row").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-thread-id") ?? ""));
}
