import { makeTempDir, type TempDir } from "@skein/testkit";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_MIGRATIONS_DIR, loadMigrations, MigrationNameError, MigrationOrderError } from "../../src/index.js";

describe("loadMigrations", () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir("skein-migrations-");
  });
  afterEach(() => tmp.cleanup());

  const write = (name: string, sql = "SELECT 1;") => writeFileSync(join(tmp.path, name), sql);

  it("loads the shipped migrations in version order starting at 1", () => {
    const versions = loadMigrations().map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  it("keeps thread_dynamic_tools in an early migration, with a note on why", () => {
    const m = loadMigrations().find((x) => x.name === "0002_thread_dynamic_tools");
    expect(m?.sql).toContain("CREATE TABLE thread_dynamic_tools");
    expect(m?.sql).toContain("MUST NEVER BE DROPPED");
  });

  it("never drops a table in any shipped migration", () => {
    for (const m of loadMigrations()) expect(m.sql).not.toMatch(/DROP\s+TABLE/i);
  });

  it("checksums the exact file bytes with sha256", () => {
    const m = loadMigrations()[0]!;
    const bytes = readFileSync(join(DEFAULT_MIGRATIONS_DIR, `${m.name}.sql`));
    expect(m.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("ignores files that are not .sql", () => {
    write("0001_a.sql");
    write("README.md", "notes");
    expect(loadMigrations(tmp.path).map((m) => m.name)).toEqual(["0001_a"]);
  });

  it("rejects a gap in the versions", () => {
    write("0001_a.sql");
    write("0003_c.sql");
    expect(() => loadMigrations(tmp.path)).toThrow(
      new MigrationOrderError("expected version 2 after 0001_a, found 0003_c"),
    );
  });

  it("rejects a duplicate version", () => {
    write("0001_a.sql");
    write("0001_b.sql");
    expect(() => loadMigrations(tmp.path)).toThrow(new MigrationOrderError("duplicate version 1 (0001_a, 0001_b)"));
  });

  it("rejects a list that does not start at 1", () => {
    write("0002_b.sql");
    expect(() => loadMigrations(tmp.path)).toThrow(new MigrationOrderError("expected version 1 at the start, found 0002_b"));
  });

  it("rejects a .sql file with a malformed name", () => {
    write("1_threads.sql");
    expect(() => loadMigrations(tmp.path)).toThrow(MigrationNameError);
    expect(() => loadMigrations(tmp.path)).toThrow('invalid migration file name "1_threads.sql": expected NNNN_name.sql');
  });
});
