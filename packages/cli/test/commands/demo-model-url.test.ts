import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codexReadProblems } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";

/**
 * A minimal Responses-API server on 127.0.0.1: calls `lookup_weather` when offered and the last
 * input is the user's weather question, answers the tool's output, else greets. Streams SSE.
 */
async function startServer(bodies: Array<Record<string, unknown>>): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += String(chunk);
    const body = JSON.parse(text) as { input: Array<Record<string, unknown>>; tools: Array<{ name: string }> };
    bodies.push(body);
    const last = body.input.at(-1)!;
    const n = bodies.length;
    const item =
      last["type"] === "function_call_output"
        ? { type: "message", id: `msg_${n}`, role: "assistant", status: "completed", content: [{ type: "output_text", text: `It is ${String(last["output"])}`, annotations: [] }] }
        : JSON.stringify(last).includes("weather") && body.tools.some((t) => t.name === "lookup_weather")
          ? { type: "function_call", id: `fc_${n}`, call_id: `call_${n}`, name: "lookup_weather", arguments: '{"city":"Paris"}', status: "completed" }
          : { type: "message", id: `msg_${n}`, role: "assistant", status: "completed", content: [{ type: "output_text", text: "Hello from the test server", annotations: [] }] };
    const usage = { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 };
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const event of [
      { type: "response.output_item.done", output_index: 0, item },
      { type: "response.completed", response: { id: `resp_${n}`, status: "completed", output: [], usage } },
    ]) {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

describe("skein demo --model-url", () => {
  const homes = useHomes();
  const bodies: Array<Record<string, unknown>> = [];
  let server: Server;
  let url: string;
  beforeEach(async () => {
    bodies.length = 0;
    ({ server, url } = await startServer(bodies));
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("runs the two turns against the server through the openai client, with the tool round trip", async () => {
    const home = homes.empty();
    const result = await runCli(["demo", "--home", home, "--model-url", url, "--model", "test-model"], { env: { OPENAI_API_KEY: undefined } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`model test-model at ${url}`);
    expect(result.stdout).toContain("model: Hello from the test server");
    expect(result.stdout).toMatch(/^ {3}tool: {2}lookup_weather\(\{"city":"Paris"\}\) -> \{"city":"Paris"/m);
    expect(result.stdout).toContain('model: It is {"city":"Paris","forecast":"sunny","highC":21}');
    // Turn 1, turn 2's tool call, turn 2's answer; every request for the model asked for.
    expect(bodies.map((b) => b["model"])).toEqual(["test-model", "test-model", "test-model"]);
    const { items } = await runCliJson<{ items: Array<{ model?: string | null }> }>(["list", "--json", "--home", home]);
    expect(items).toHaveLength(2);
    expect(codexReadProblems(home)).toEqual([]);
  });

  it("--model alone is a usage error", async () => {
    const result = await runCli(["demo", "--home", homes.empty(), "--model", "gpt-x"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--model needs --model-url");
  });

  it("an unreachable server fails the demo with the model error", async () => {
    // A port that was just free: a closed server's.
    const closed = await startServer([]);
    closed.server.closeAllConnections();
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const result = await runCli(["demo", "--home", homes.empty(), "--model-url", closed.url], { env: { OPENAI_API_KEY: undefined } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("model call failed");
  });
});
