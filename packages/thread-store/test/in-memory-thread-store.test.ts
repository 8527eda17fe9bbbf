import { describe, expect, it } from "vitest";
import { newThreadId } from "@skein/protocol";
import { InMemoryThreadStore } from "../src/index.js";
import { describeThreadStoreConformance, seedThread } from "../src/conformance/index.js";

describeThreadStoreConformance("InMemoryThreadStore", {
  create: async () => new InMemoryThreadStore(),
  // In memory, "reopen" is the same data after close(): writers released, pending items flushed.
  reopen: async (store) => {
    await store.close();
    return store;
  },
  capabilities: { rolloutPaths: false },
});
