import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ModelRequest } from "@skein/core-session";
import { afterEach, describe, expect, it } from "vitest";
import { ModelConfigError, ModelResponseError, OpenAIResponsesModel, PLACEHOLDER_API_KEY, isModelOpenAIError, resolveClientSettings } from "../src/index.js";
import { message, ResponsesServer } from "./support/responses-server.js";

const REQUEST: ModelRequest = { model: "thread-model", instructions: "", input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }], tools: [] };

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
async function server(): Promise<ResponsesServer> {
  const s = await ResponsesServer.start([{ kind: "answer", output: [message("m", "ok")] }]);
  servers.push(s);
  return s;
}

describe("configuration", () => {
  it("reads OPENAI_BASE_URL and OPENAI_API_KEY from the environment", async () => {
    const s = await server();
    const model = new OpenAIResponsesModel({ env: { OPENAI_BASE_URL: s.url, OPENAI_API_KEY: "env-key" }, maxRetries: 0 });
    const response = await model.respond(REQUEST);
    expect(response.output).toEqual([message("m", "ok")]);
    expect(s.requests[0]!.headers["authorization"]).toBe("Bearer env-key");
    expect(s.requests[0]!.path).toBe("/v1/responses");
  });

  it("options win over the environment", () => {
    const settings = resolveClientSettings({ apiKey: "opt-key", baseURL: "http://127.0.0.1:9/v1", env: { OPENAI_BASE_URL: "http://127.0.0.1:8/v1", OPENAI_API_KEY: "env-key" } });
    expect(settings).toMatchObject({ apiKey: "opt-key", baseURL: "http://127.0.0.1:9/v1" });
  });

  it("OpenAI's own endpoint without a key is a configuration error; a custom server gets a placeholder key", async () => {
    expect(() => new OpenAIResponsesModel({ env: {} })).toThrow(new ModelConfigError("no API key for the OpenAI API: pass apiKey or set OPENAI_API_KEY"));
    const s = await server();
    await new OpenAIResponsesModel({ baseURL: s.url, env: {}, maxRetries: 0 }).respond(REQUEST);
    expect(s.requests[0]!.headers["authorization"]).toBe(`Bearer ${PLACEHOLDER_API_KEY}`);
  });

  it("rejects a malformed base URL and bad numbers with typed errors", () => {
    const error = (() => {
      try {
        new OpenAIResponsesModel({ baseURL: "not a url", apiKey: "k" });
      } catch (e) {
        return e;
      }
    })();
    expect(isModelOpenAIError(error)).toBe(true);
    expect((error as Error).message).toBe('invalid model client configuration: base URL "not a url" is not a URL');
    expect(() => new OpenAIResponsesModel({ apiKey: "k", maxRetries: -1 })).toThrow("maxRetries must be a whole number ≥ 0, got -1");
    expect(() => new OpenAIResponsesModel({ apiKey: "k", timeoutMs: 0 })).toThrow("timeoutMs must be a whole number ≥ 1, got 0");
  });

  it("sends the model and reasoning settings it was given, and asks for encrypted reasoning when nothing is stored", async () => {
    const s = await server();
    const model = new OpenAIResponsesModel({ baseURL: s.url, apiKey: "k", model: "gpt-x", reasoning: { effort: "low", summary: "auto" }, extraBody: { prompt_cache_key: "thread-1" } });
    await model.respond(REQUEST);
    expect(s.requests[0]!.body).toMatchObject({ model: "gpt-x", reasoning: { effort: "low", summary: "auto" }, include: ["reasoning.encrypted_content"], store: false, prompt_cache_key: "thread-1" });
    expect(s.requests[0]!.body).not.toHaveProperty("instructions"); // empty instructions are left out
  });

  it("a server that never answers fails after timeoutMs", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    servers.push({ close: () => new Promise<void>((resolve) => (silent.closeAllConnections(), silent.close(() => resolve()))) });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`;
    const error = await new OpenAIResponsesModel({ baseURL: url, apiKey: "k", timeoutMs: 300, maxRetries: 0 }).respond(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelResponseError);
    expect((error as Error).message).toMatch(/^model response failed: .*timed out/i);
  });
});
