import { newThreadId } from "@skein/protocol";
import { startTestPostgres } from "@skein/testkit";
import { PostgresThreadStore } from "@skein/thread-store-postgres";
import pg from "pg";
import { atLeast, atMost, type BenchCase, type BenchContext, type Figure } from "../bench-context.js";
import { nowMs, summarize, timeRuns } from "../stats.js";

const C = "8 postgres";
const LIST_ROWS = 10_000;

/**
 * Case 8: the PostgreSQL store — first page of 50 from 10,000 threads, and `appendItems` one item
 * per call and 20 per call. The server is `SKEIN_PG_URL`, else a throwaway cluster (testkit);
 * without PostgreSQL the case reports why and measures nothing. (Was a timing assertion in
 * thread-store-postgres's test suite; figures belong here, not in tests.)
 */
export const postgresCase: BenchCase = {
  id: "postgres",
  title: "PostgreSQL store: first page of 50 from 10,000 threads; appendItems throughput",
  async run(ctx: BenchContext): Promise<Figure[]> {
    const server = startTestPostgres("bench");
    if (!server.url) return [{ case: C, name: "PostgreSQL store", unit: "ms", value: Number.NaN, note: `not measured: ${server.skipReason ?? "no server"}` }];
    const schema = `bench_${process.pid}_${Date.now()}`;
    const store = await PostgresThreadStore.open({ connectionString: server.url, schema });
    try {
      await seedRows(server.url, schema);
      const list = summarize(await timeRuns(ctx.sizes.listRuns, () => store.listThreads({ pageSize: 50 }), 5));
      const single = ctx.quick ? 200 : 1_000;
      const batches = ctx.quick ? 40 : 200;
      const rates = await appendRates(store, single, batches);
      return [
        atMost({ case: C, name: `first page of 50, ${LIST_ROWS} threads`, unit: "ms", value: list.median, stats: list }, 250),
        atLeast({ case: C, name: `appendItems, 1 item per call (${single} calls)`, unit: "items/s", value: rates.single }, 50),
        { case: C, name: `appendItems, 20 items per call (${batches} calls)`, unit: "items/s", value: rates.batch },
      ];
    } finally {
      await store.close();
      await dropSchema(server.url, schema);
      server.stop();
    }
  },
};

async function seedRows(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "${schema}".threads (thread_id, preview, model_provider, created_at_ms, updated_at_ms, recency_at_ms,
         cwd, cli_version, source, source_key, memory_mode, history_mode)
       SELECT gen_random_uuid()::text, 'thread ' || g, 'openai', 1700000000000 + g, 1700000000000 + g,
              1700000000000 + g, '/w', '0', '"cli"', 'cli', 'enabled', 'legacy'
       FROM generate_series(1, ${LIST_ROWS}) g`,
    );
    await client.query(`ANALYZE "${schema}".threads`);
  } finally {
    await client.end();
  }
}

async function appendRates(store: PostgresThreadStore, single: number, batches: number): Promise<{ single: number; batch: number }> {
  const threadId = newThreadId();
  await store.createThread({ threadId, source: "cli", metadata: { cwd: "/w", modelProvider: "openai" } });
  await store.persistThread({ threadId });
  const item = (i: number) => ({
    type: "response_item",
    payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: `item ${i} `.repeat(20) }] },
  });
  let start = nowMs();
  for (let i = 0; i < single; i++) await store.appendItems({ threadId, items: [item(i)] });
  const singleRate = single / ((nowMs() - start) / 1000);
  start = nowMs();
  for (let b = 0; b < batches; b++) await store.appendItems({ threadId, items: Array.from({ length: 20 }, (_, i) => item(i)) });
  const batchRate = (batches * 20) / ((nowMs() - start) / 1000);
  await store.shutdownThread({ threadId });
  return { single: singleRate, batch: batchRate };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
