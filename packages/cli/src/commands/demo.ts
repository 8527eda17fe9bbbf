import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamicToolSpec } from "@skein/protocol";
import type { Output } from "../output.js";
import { openStore } from "../open-store.js";
import { renderThreadTable } from "../format/thread-table.js";
import { addDemoThreads } from "./demo-threads.js";

/** What `skein demo` needs: where to write, a clock, and an optional home (default: a fresh temp dir). */
export interface DemoContext {
  out: Output;
  now: () => number;
  home?: string;
  /** A Responses-API base URL: the turns go to this server (via `@skein/model-openai`) instead of the scripted model. */
  modelUrl?: string;
  /** The model to ask at `modelUrl` (default `gpt-5`, core-session's default model). */
  modelName?: string;
  /** End by serving the home in the viewer until interrupted (`signal` stops it too). */
  serve?: boolean;
  signal?: AbortSignal;
}

/** The demo's one dynamic tool: defined at thread start, called by the model in turn 2. */
export const DEMO_TOOL: DynamicToolSpec = {
  type: "function",
  name: "lookup_weather",
  description: "Looks up today's weather for a city.",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

const MODEL_PROVIDER = "skein-demo";
const MODEL = "scripted-1";

/**
 * `skein demo`: the main job end to end on a real home. A scripted two-turn session with a
 * dynamic tool through `ThreadManager` (the deterministic `ScriptedModel` plays the model);
 * shut down; resume in a fresh manager over a new store instance and show that the tool and
 * the history came back; fork; rename; list. Prints each step as it goes.
 */
export async function demoCommand(ctx: DemoContext): Promise<void> {
  const { ThreadManager, ScriptedModel, DEFAULT_MODEL } = await import("@skein/core-session");
  const { out } = ctx;
  const c = out.colors;
  const fresh = ctx.home === undefined;
  const home = ctx.home ?? mkdtempSync(join(tmpdir(), "skein-demo-"));
  mkdirSync(home, { recursive: true, mode: 0o700 });
  let stepNo = 0;
  const step = (title: string) => out.line(`\n${c.bold(c.cyan(`${++stepNo}.`))} ${c.bold(title)}`);
  const say = (text: string) => out.line(`   ${text}`);

  step(`Open a home`);
  say(`${home}${fresh ? c.dim(" (fresh temporary directory; pass --home DIR to choose)") : ""}`);

  // The scripted model by default (offline); a real server through the openai SDK with --model-url.
  const modelName = ctx.modelUrl === undefined ? MODEL : (ctx.modelName ?? DEFAULT_MODEL);
  const model = ctx.modelUrl === undefined ? new ScriptedModel() : await realModel(ctx.modelUrl, modelName);
  if (ctx.modelUrl !== undefined) say(`model ${c.bold(modelName)} at ${ctx.modelUrl}`);
  // The application's side of the tool; calls are recorded so the demo can show them.
  const toolCalls: { args: unknown; output: string }[] = [];
  const toolHandlers = {
    [DEMO_TOOL.name]: async (args: unknown) => {
      const city = typeof args === "object" && args !== null && "city" in args ? String(args.city) : "somewhere";
      const output = JSON.stringify({ city, forecast: "sunny", highC: 21 });
      toolCalls.push({ args, output });
      return output;
    },
  };

  const first = await openStore(home, { create: true });
  let threadId: string;
  try {
    const manager = new ThreadManager({ store: first, defaults: { modelProvider: MODEL_PROVIDER, model: modelName, cwd: home } });
    step("Start a thread with a dynamic tool");
    const session = await manager.startThread({ cwd: home, dynamicTools: [DEMO_TOOL], toolHandlers });
    threadId = session.threadId;
    say(`thread ${c.cyan(threadId)}, tool ${c.bold(DEMO_TOOL.name)}`);

    step("Turn 1: a plain question");
    const turn1 = await session.runTurn({ userText: "Hello! Who are you?", model });
    say(`user:  Hello! Who are you?`);
    say(`model: ${turn1.lastAgentMessage ?? "(no reply)"}`);

    step("Turn 2: the model calls the tool");
    const turn2 = await session.runTurn({ userText: "What's the weather in Paris? [[tool:lookup_weather]]", model });
    say(`user:  What's the weather in Paris? [[tool:lookup_weather]]`);
    for (const call of toolCalls) say(`tool:  ${DEMO_TOOL.name}(${JSON.stringify(call.args)}) -> ${call.output}`);
    say(`model: ${turn2.lastAgentMessage ?? "(no reply)"}`);

    step("Shut down");
    await manager.shutdownAll();
    const record = await first.readThread({ threadId });
    const lines = record.rolloutPath ? readFileSync(record.rolloutPath, "utf8").split("\n").filter(Boolean).length : 0;
    say(`${lines} lines in ${record.rolloutPath ?? "(no rollout)"}`);
  } finally {
    await first.close();
  }

  const second = await openStore(home);
  try {
    const manager = new ThreadManager({ store: second, defaults: { modelProvider: MODEL_PROVIDER, model: modelName, cwd: home } });
    step("Resume in a fresh manager over a new store instance");
    const resumed = await manager.resumeThread({ threadId });
    const request = await resumed.nextModelRequest();
    say(`next model request: tools [${request.tools.map((tool) => tool.name).join(", ")}], ${request.input.length} input items`);
    say(c.dim("the tool came back from session_meta, the history from the rollout"));

    step("Fork it");
    const fork = await manager.forkThread({ threadId, name: "weather demo (fork)" });
    say(`fork ${c.cyan(fork.threadId)} of ${threadId}`);

    step("Rename the original");
    await manager.renameThread(threadId, "weather demo");
    say(`${threadId} is now "weather demo"`);
    await manager.shutdownAll();

    if (ctx.serve) {
      // Only for the viewer's first look: the plain tour (and the suites that pin it) keeps two threads.
      step("Add threads in two more projects: a plan, an apply_patch edit, an archived experiment");
      const scripted = new ScriptedModel();
      const runTurns = async (cwd: string, texts: string[], name?: string) => {
        const session = await manager.startThread({ cwd });
        for (const userText of texts) await session.runTurn({ userText, model: scripted });
        if (name !== undefined) await manager.renameThread(session.threadId, name);
        await manager.shutdownAll();
        return session.threadId;
      };
      const extra = await addDemoThreads(second, home, runTurns);
      say(`projects ${extra.projects.join(", ")}; archived ${extra.archivedId}`);
    }

    step("List");
    const page = await second.listThreads({ pageSize: 20 });
    out.line(renderThreadTable(page.items, { width: out.width, now: ctx.now(), colors: c }));

    if (ctx.serve) {
      step("Serve it in the viewer (Ctrl+C to stop)");
      const { startViewerServer } = await import("../serve/viewer-server.js");
      const server = await startViewerServer({ store: second, label: home });
      say(`open ${c.bold(server.url)}`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
        ctx.signal?.addEventListener("abort", () => resolve(), { once: true });
      });
      await server.close();
    }
  } finally {
    await second.close();
  }
  out.line(`\n${c.green("done.")} Explore it: skein list --home ${home}${ctx.serve ? "" : `, or in a browser: skein serve --home ${home}`}`);
}

/** A Responses-API client for `url` (key from $OPENAI_API_KEY, if any). Loaded only when asked for. */
async function realModel(url: string, model: string) {
  const { OpenAIResponsesModel } = await import("@skein/model-openai");
  return new OpenAIResponsesModel({ baseURL: url, model });
}
