import { describe, it } from "vitest";
import { describeThreadStoreConformance } from "@skein/thread-store/conformance";
import { PostgresThreadStore } from "../src/index.js";
import { dropSchema, freshSchema, PG_SKIP, PG_URL } from "./support/pg.js";

const schemas = new WeakMap<PostgresThreadStore, string>();

async function open(schema: string): Promise<PostgresThreadStore> {
  const store = await PostgresThreadStore.open({ connectionString: PG_URL!, schema, leaseTtlMs: 5_000 });
  schemas.set(store, schema);
  return store;
}

if (PG_SKIP) {
  describe("PostgresThreadStore conformance", () => {
    it.skip(`needs a PostgreSQL server: ${PG_SKIP}`, () => undefined);
  });
} else {
  // Each test gets its own schema on the shared server: isolation without a server per test.
  describeThreadStoreConformance("PostgresThreadStore", {
    create: () => open(freshSchema("conf")),
    reopen: async (store) => {
      await store.close();
      return open(schemas.get(store)!);
    },
    destroy: async (store) => {
      await store.close();
      await dropSchema(schemas.get(store)!);
    },
    capabilities: { rolloutPaths: false },
  });
}
