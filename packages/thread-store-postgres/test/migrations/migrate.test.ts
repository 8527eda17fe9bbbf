import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir } from "@skein/testkit";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import {
  loadMigrations,
  migrate,
  MigrationChecksumError,
  MigrationLoadError,
  PostgresThreadStore,
  type Migration,
} from "../../src/index.js";
import { dropSchema, freshSchema, PG_SKIP, PG_URL } from "../support/pg.js";

function migration(version: number, name: string, sql: string): Migration {
  return { version, name: `${String(version).padStart(4, "0")}_${name}`, sql, checksum: createHash("sha256").update(sql).digest("hex") };
}

describe("loadMigrations", () => {
  it("loads the shipped migrations in version order with sha256 checksums", () => {
    const migrations = loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(migrations[0]!.name).toBe("0001_threads");
    expect(migrations[0]!.checksum).toBe(createHash("sha256").update(migrations[0]!.sql).digest("hex"));
  });

  it("rejects a gap in the versions", async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir.path, "0001_a.sql"), "SELECT 1;");
    writeFileSync(join(dir.path, "0003_c.sql"), "SELECT 1;");
    expect(() => loadMigrations(dir.path)).toThrow(new MigrationLoadError("missing migration version 2 before 0003_c"));
    dir.cleanup();
  });

  it("rejects a duplicate version", async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir.path, "0001_a.sql"), "SELECT 1;");
    writeFileSync(join(dir.path, "0001_b.sql"), "SELECT 1;");
    expect(() => loadMigrations(dir.path)).toThrow(new MigrationLoadError("duplicate migration version 1 (0001_a, 0001_b)"));
    dir.cleanup();
  });
});

describe.skipIf(PG_SKIP)(`migrate${PG_SKIP ? ` (skipped: ${PG_SKIP})` : ""}`, () => {
  const schemas: string[] = [];
  const pools: pg.Pool[] = [];
  const pool = (): pg.Pool => {
    const p = new pg.Pool({ connectionString: PG_URL });
    pools.push(p);
    return p;
  };
  const schema = (): string => {
    const s = freshSchema("mig");
    schemas.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
    for (const s of schemas.splice(0)) await dropSchema(s);
  });

  it("applies every migration once and reports nothing on a second run", async () => {
    const db = pool();
    const s = schema();
    const shipped = loadMigrations();
    expect(await migrate(db, s, shipped)).toEqual({ applied: shipped.map((m) => m.version), ignored: [] });
    expect(await migrate(db, s, shipped)).toEqual({ applied: [], ignored: [] });
  });

  it("opens a schema a newer version migrated further, ignores the unknown version and still works", async () => {
    const s = schema();
    const shipped = loadMigrations();
    const future = migration(shipped.length + 1, "future_table", "CREATE TABLE future_things (id int PRIMARY KEY); ALTER TABLE threads ADD COLUMN future_flag boolean;");
    await migrate(pool(), s, [...shipped, future]);
    const store = await PostgresThreadStore.open({ connectionString: PG_URL!, schema: s });
    try {
      expect(store.migrations).toEqual({ applied: [], ignored: [future.version] });
      const threadId = "01900000-0000-7000-8000-000000000001";
      await store.createThread({ threadId, source: "cli", metadata: { cwd: "/w", modelProvider: "p" } });
      await store.persistThread({ threadId });
      await store.shutdownThread({ threadId });
      await store.updateThreadMetadata({ threadId, patch: { preview: "from an older binary" } });
      expect((await store.readThread({ threadId })).preview).toBe("from an older binary");
    } finally {
      await store.close();
    }
  });

  it("rejects a migration whose bytes changed after it was applied, naming it", async () => {
    const db = pool();
    const s = schema();
    const original = migration(1, "threads", "CREATE TABLE x (id int);");
    await migrate(db, s, [original]);
    const edited = migration(1, "threads", "CREATE TABLE x (id bigint);");
    await expect(migrate(db, s, [edited])).rejects.toThrow(new MigrationChecksumError("0001_threads"));
    await expect(migrate(db, s, [edited])).rejects.toThrow("migration 0001_threads changed after it was applied");
  });

  it("rolls a failing migration back entirely and records nothing for it", async () => {
    const db = pool();
    const s = schema();
    const good = migration(1, "good", "CREATE TABLE a (id int);");
    const bad = migration(2, "bad", "CREATE TABLE b (id int); SELECT no_such_function();");
    await expect(migrate(db, s, [good, bad])).rejects.toThrow(/no_such_function/);
    const { rows } = await db.query(`SELECT version FROM "${s}".skein_migrations ORDER BY version`);
    expect(rows).toEqual([{ version: 1 }]);
    const { rows: tables } = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'b'`, [s]);
    expect(tables).toEqual([]);
  });

  const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
  it.skipIf(!existsSync(DIST))("lets six processes open a new schema at once: all succeed, each migration is recorded once", async () => {
    const s = schema();
    const script = `import { PostgresThreadStore } from ${JSON.stringify(DIST)};
      const store = await PostgresThreadStore.open({ connectionString: process.argv[1], schema: process.argv[2] });
      process.stdout.write(JSON.stringify(store.migrations));
      await store.close();`;
    const runs = await Promise.all(
      Array.from({ length: 6 }, () =>
        new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          const child = spawn(process.execPath, ["--input-type=module", "-e", script, PG_URL!, s], { stdio: ["ignore", "pipe", "pipe"] });
          let out = "";
          let err = "";
          child.stdout.on("data", (c: Buffer) => (out += c.toString()));
          child.stderr.on("data", (c: Buffer) => (err += c.toString()));
          child.on("exit", (code) => resolve({ code, out, err }));
        }),
      ),
    );
    expect(runs.map((r) => [r.code, r.err])).toEqual(runs.map(() => [0, ""]));
    const reports = runs.map((r) => JSON.parse(r.out) as { applied: number[] });
    const shipped = loadMigrations().map((m) => m.version);
    expect(reports.flatMap((r) => r.applied).sort()).toEqual(shipped);
    const { rows } = await pool().query(`SELECT version FROM "${s}".skein_migrations ORDER BY version`);
    expect(rows.map((r: { version: number }) => r.version)).toEqual(shipped);
  });
});
