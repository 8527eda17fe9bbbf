import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MockResponsesServer, NetworkSandbox } from "../src/index.js";

// Runs a one-line Node program inside the sandbox and returns what it printed. Asynchronous
// on purpose: the mock lives in this process and must keep answering meanwhile.
async function runInside(sandbox: NetworkSandbox, source: string): Promise<string> {
  const line = sandbox.wrap(process.execPath, ["-e", source]);
  const { stdout } = await promisify(execFile)(line.command, [...line.args], { encoding: "utf8", timeout: 10_000 });
  return stdout.trim();
}

describe.skipIf(process.getuid?.() !== 0)("NetworkSandbox (needs root for unshare -n)", () => {
  let dir: string;
  let mock: MockResponsesServer;
  let sandbox: NetworkSandbox;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skein-netns-"));
    mock = await MockResponsesServer.start({ socketPath: join(dir, "mock.sock") });
    sandbox = await NetworkSandbox.open({ socketPath: join(dir, "mock.sock"), disableNamespace: false });
  });
  afterAll(async () => {
    await sandbox?.close();
    await mock?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is isolated", () => {
    expect(sandbox.isolated).toBe(true);
  });

  it("reaches the mock at 127.0.0.1:<port> from inside the namespace", async () => {
    const out = await runInside(
      sandbox,
      `fetch("http://127.0.0.1:${sandbox.port}/v1/models").then(r => console.log(r.status), e => console.log("error " + e.cause?.code))`,
    );
    expect(out).toBe("404");
    expect(mock.requests.at(-1)?.path).toBe("/v1/models");
  });

  it("has no route to any address but loopback", async () => {
    const out = await runInside(
      sandbox,
      `require("node:net").connect(443, "192.0.2.1").on("error", e => console.log(e.code)).on("connect", () => console.log("connected"))`,
    );
    expect(out).toBe("ENETUNREACH");
  });
});
