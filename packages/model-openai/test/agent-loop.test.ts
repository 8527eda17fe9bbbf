import { execFile, execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { LocalThreadStore } from "@skein/thread-store";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { functionCall, message, ResponsesServer } from "./support/responses-server.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const EXAMPLE = join(HERE, "..", "examples", "agent-loop.mjs");
const REPO = resolve(HERE, "../../..");
const run = promisify(execFile);

// The example runs in child processes on the BUILT packages (Node 20 cannot run TypeScript);
// the repository's test command builds first and sets SKEIN_SKIP_TEST_BUILDS=1.
beforeAll(() => {
  if (process.env["SKEIN_SKIP_TEST_BUILDS"] === "1") return;
  execFileSync("pnpm", ["turbo", "run", "build", "--filter=@skein/model-openai...", "--filter=@skein/thread-store", "--output-logs=errors-only"], {
    cwd: REPO,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
    stdio: "pipe",
  });
}, 300_000);

describe("the README's agent loop", () => {
  let home: TempDir;
  let server: ResponsesServer;
  beforeEach(async () => {
    home = makeTempDir("skein-agent-loop-");
    server = await ResponsesServer.start([
      { kind: "answer", output: [functionCall(1, "weather", { city: "Paris" })] },
      { kind: "answer", output: [message("msg_2", "Sunny in Paris.")] },
      { kind: "answer", output: [functionCall(3, "weather", { city: "Rome" })] },
      { kind: "answer", output: [message("msg_4", "Sunny in Rome too.")] },
    ]);
  });
  afterEach(async () => {
    await server.close();
    home.cleanup();
  });

  const example = (...args: string[]) =>
    run(process.execPath, [EXAMPLE, ...args], { cwd: home.path, timeout: 60_000, env: { PATH: process.env["PATH"], CODEX_HOME: home.path, OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "test-key" } });

  it("starts a thread with a tool, resumes it in another process with history and tool, and forks it", async () => {
    const first = await example("start");
    expect(first.stdout).toContain("Sunny in Paris.");
    const threadId = /thread (\S+)/.exec(first.stdout)![1]!;

    const second = await example("resume", threadId);
    expect(second.stdout).toContain("Sunny in Rome too.");
    const forkId = /fork (\S+)/.exec(second.stdout)![1]!;

    // The resumed process sent the first turn's whole exchange and offered the tool again.
    const resumed = server.requests[2]!.body;
    const input = (resumed["input"] as Array<Record<string, unknown>>).map((i) => i["type"] === "function_call_output" ? `output:${String(i["output"])}` : `${String(i["type"])}:${String(i["role"] ?? i["name"])}`);
    expect(input).toEqual(["message:user", "function_call:weather", "output:sunny in Paris, 21°C", "message:assistant", "message:user"]);
    expect((resumed["tools"] as Array<{ name: string }>).map((t) => t.name)).toEqual(["weather"]);

    const store = await LocalThreadStore.open({ home: home.path });
    try {
      const fork = await store.readThread({ threadId: forkId });
      expect({ forkedFromId: fork.forkedFromId, name: fork.name }).toEqual({ forkedFromId: threadId, name: "what about Oslo?" });
    } finally {
      await store.close();
    }
  });
});
