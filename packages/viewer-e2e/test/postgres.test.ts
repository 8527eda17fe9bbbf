import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScriptedModel, ThreadManager } from "@skein/core-session";
import type { DynamicToolSpec } from "@skein/protocol";
import { PostgresThreadStore } from "@skein/thread-store-postgres";
import pg from "pg";
import { describe, inject } from "vitest";
import { chromiumSkipReason } from "../src/index.js";
import { viewerScenario, type ScenarioStore } from "./scenario.js";
import { writeLongThread, writePatchThread, XSS_TEXT } from "./support.js";

// Issue 17 acceptance over the PostgreSQL store (`skein serve --store postgres://…`). The
// threads are written by ThreadManager over a PostgresThreadStore in this test process, which
// also plays the other process that appends and starts threads while the page is open.

const PG_URL = inject("pgUrl");
const LOOKUP: DynamicToolSpec = {
  type: "function",
  name: "lookup_weather",
  description: "Looks up today's weather for a city.",
  inputSchema: { type: "object", properties: { city: { type: "string" } } },
};

async function postgresStore(): Promise<ScenarioStore> {
  const schema = `viewer_e2e_${randomBytes(5).toString("hex")}`;
  const url = `${PG_URL!}${PG_URL!.includes("?") ? "&" : "?"}schema=${schema}`;
  const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
  pool.on("error", () => undefined);
  const store = await PostgresThreadStore.open({ pool, schema });
  const cwd = mkdtempSync(join(tmpdir(), "skein-pg-work-"));
  const longCwd = mkdtempSync(join(tmpdir(), "skein-long-project-"));
  const toolHandlers = { [LOOKUP.name]: async () => JSON.stringify({ forecast: "sunny" }) };
  const manager = () => new ThreadManager({ store, defaults: { modelProvider: "openai", cwd } });
  const turn = async (text: string, options: { threadId?: string; tools?: boolean } = {}) => {
    const m = manager();
    try {
      const session = options.threadId
        ? await m.resumeThread({ threadId: options.threadId, toolHandlers })
        : await m.startThread({ cwd, ...(options.tools && { dynamicTools: [LOOKUP], toolHandlers }) });
      await session.runTurn({ userText: text, model: new ScriptedModel() });
      return session.threadId;
    } finally {
      await m.shutdownAll();
    }
  };
  const xss = await turn(XSS_TEXT);
  const tool = await turn(`weather please [[tool:${LOOKUP.name}]]`, { tools: true });
  const deploy = await turn("notes about the zebra deployment");
  const forking = manager();
  const forked = await forking.forkThread({ threadId: deploy });
  await forked.runTurn({ userText: "forked: continue the zebra plan", model: new ScriptedModel() });
  await forking.shutdownAll();
  const patch = await writePatchThread(store, longCwd);
  const long = await writeLongThread(store, longCwd, 120);
  return {
    storeArgs: ["--store", url],
    threads: { xss, tool, deploy, fork: forked.threadId, long, patch },
    longCwd,
    source: "cli",
    appendTurn: async (threadId, text) => void (await turn(text, { threadId })),
    newThread: (text) => turn(text),
    close: async () => {
      await store.close();
      const client = await pool.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        client.release();
        await pool.end();
      }
      rmSync(cwd, { recursive: true, force: true });
      rmSync(longCwd, { recursive: true, force: true });
    },
  };
}

const skipReason = chromiumSkipReason() ?? inject("pgSkipReason");

describe.skipIf(skipReason)("skein serve in chromium, over a PostgreSQL store", () => {
  viewerScenario(postgresStore);
});
