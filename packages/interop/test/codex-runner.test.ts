import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner, inputMessages } from "../src/index.js";

function rolloutFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.startsWith("rollout-") && e.name.endsWith(".jsonl"))
    .map((e) => join(e.parentPath, e.name));
}

describe("CodexRunner", () => {
  let codex: CodexRunner;
  beforeAll(async () => {
    codex = await CodexRunner.start();
  });
  afterAll(async () => {
    await codex?.close();
  });

  it("runs codex exec against the mock and Codex writes a rollout for the thread", async () => {
    const result = await codex.exec("say hi");
    expect(result.agentMessages).toEqual(["mock reply #1: say hi"]);
    const files = rolloutFiles(join(codex.codexHome, "sessions"));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`-${result.threadId}\\.jsonl$`));
    const first = JSON.parse(readFileSync(files[0]!, "utf8").split("\n")[0]!);
    expect(first).toMatchObject({ type: "session_meta", payload: { id: result.threadId, model_provider: "mock" } });
  });

  it("sends the prompt as the last user message and the thread id as session-id", async () => {
    const result = await codex.exec("second thread");
    const [request] = codex.mock.requestsFor(result.threadId);
    expect(inputMessages(request!.body).filter((m) => m.role === "user").at(-1)?.text).toBe("second thread");
  });

  it("runs Codex in a loopback-only network namespace whenever this machine can make one", () => {
    // Independent probe: can this process make a network namespace with loopback up and nsenter?
    const disabled = process.env["SKEIN_INTEROP_NO_NETNS"] === "1";
    const probe = spawnSync("unshare", ["-n", "--", "sh", "-c", "ip link set lo up && command -v nsenter"], { stdio: "ignore", timeout: 5000 });
    const canIsolate = !disabled && probe.status === 0;
    if (process.getuid?.() === 0 && !disabled) expect(canIsolate).toBe(true); // root (here and in CI) always can
    expect({ isolated: codex.sandbox.isolated, reason: codex.sandbox.reason === undefined ? "none" : "given" }).toEqual({
      isolated: canIsolate,
      reason: canIsolate ? "none" : "given",
    });
  });
});
