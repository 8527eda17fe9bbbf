import { makeTempDir, type TempDir } from "@skein/testkit";
import { describeThreadStoreConformance } from "../src/conformance/index.js";
import { LocalThreadStore } from "../src/index.js";

// The local store passes the shared suite twice: over SQLite and from files only.
for (const index of ["sqlite", "none"] as const) {
  const homes = new Map<LocalThreadStore, TempDir>();
  describeThreadStoreConformance(`LocalThreadStore (index: ${index})`, {
    async create() {
      const dir = makeTempDir("skein-conf-");
      const store = await LocalThreadStore.open({ home: dir.path, index });
      homes.set(store, dir);
      return store;
    },
    async destroy(store) {
      await store.close();
      homes.get(store)?.cleanup();
      homes.delete(store);
    },
    async reopen(store) {
      const dir = homes.get(store)!;
      await store.close();
      homes.delete(store);
      const next = await LocalThreadStore.open({ home: dir.path, index });
      homes.set(next, dir);
      return next;
    },
    capabilities: { rolloutPaths: true },
  });
}
