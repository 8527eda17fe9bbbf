import { newThreadId } from "@skein/protocol";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresThreadStore } from "../src/index.js";
import { dropSchema, freshSchema, PG_SKIP, PG_URL } from "./support/pg.js";

// Measured figures for the README and the issue's closing note. Bounds are loose (CI
// machines vary); the printed numbers are what matters.

describe.skipIf(PG_SKIP)(`performance${PG_SKIP ? ` (skipped: ${PG_SKIP})` : ""}`, () => {
  const schema = freshSchema("perf");
  let store: PostgresThreadStore;

  beforeAll(async () => {
    store = await PostgresThreadStore.open({ connectionString: PG_URL!, schema });
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(
      `INSERT INTO "${schema}".threads (thread_id, preview, model_provider, created_at_ms, updated_at_ms, recency_at_ms,
         cwd, cli_version, source, source_key, memory_mode, history_mode)
       SELECT gen_random_uuid()::text, 'thread ' || g, 'openai', 1700000000000 + g, 1700000000000 + g,
              1700000000000 + g, '/w', '0', '"cli"', 'cli', 'enabled', 'legacy'
       FROM generate_series(1, 10000) g`,
    );
    await client.query(`ANALYZE "${schema}".threads`);
    await client.end();
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await dropSchema(schema);
  });

  it("lists the first page of 50 from 10,000 threads", async () => {
    await store.listThreads({ pageSize: 50 });
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      const page = await store.listThreads({ pageSize: 50 });
      times.push(performance.now() - start);
      expect(page.items).toHaveLength(50);
    }
    times.sort((a, b) => a - b);
    const median = times[10]!;
    console.log(`[perf] listThreads first page of 50 from 10,000 threads: median ${median.toFixed(2)} ms, p95 ${times[18]!.toFixed(2)} ms`);
    expect(median).toBeLessThan(250);
  });

  it("appends items to one thread, one item per call and 20 per call", async () => {
    const threadId = newThreadId();
    await store.createThread({ threadId, source: "cli", metadata: { cwd: "/w", modelProvider: "openai" } });
    await store.persistThread({ threadId });
    const item = (i: number) => ({
      type: "response_item",
      payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: `item ${i} `.repeat(20) }] },
    });
    const single = 1000;
    let start = performance.now();
    for (let i = 0; i < single; i++) await store.appendItems({ threadId, items: [item(i)] });
    const singleRate = single / ((performance.now() - start) / 1000);
    const batches = 200;
    start = performance.now();
    for (let b = 0; b < batches; b++) await store.appendItems({ threadId, items: Array.from({ length: 20 }, (_, i) => item(i)) });
    const batchRate = (batches * 20) / ((performance.now() - start) / 1000);
    console.log(`[perf] appendItems: ${singleRate.toFixed(0)} items/s (1 per call), ${batchRate.toFixed(0)} items/s (20 per call)`);
    await store.shutdownThread({ threadId });
    expect((await store.loadHistory({ threadId })).items).toHaveLength(1 + single + batches * 20);
    expect(singleRate).toBeGreaterThan(50);
  });
});
