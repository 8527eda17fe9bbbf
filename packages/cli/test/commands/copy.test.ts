import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { codexFixtureIds } from "@skein/testkit";
import type { ThreadJson } from "../../src/format/thread-json.js";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";

const PG_URL = inject("pgUrl");
const PG_SKIP = inject("pgSkipReason");

/** Every rollout file of a home: relative path → exact bytes (as text). */
function rolloutFiles(home: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (/^rollout-.*\.jsonl$/.test(name)) out.set(path.slice(home.length), readFileSync(path, "utf8"));
    }
  };
  visit(join(home, "sessions"));
  visit(join(home, "archived_sessions"));
  return out;
}

/** What must survive a copy: id, name, archived flag, fork parent (sorted by id). */
async function threadFacts(args: readonly string[]) {
  const active = await runCliJson<{ items: ThreadJson[] }>(["list", "--json", "--all", ...args]);
  const archived = await runCliJson<{ items: ThreadJson[] }>(["list", "--json", "--all", "--archived", ...args]);
  return [...active.items, ...archived.items]
    .map((t) => ({ id: t.id, name: t.name, archived: t.archived, forkedFromId: t.forkedFromId, preview: t.preview }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe("skein export / import between local homes", () => {
  const homes = useHomes();

  it("exports a Codex home into a second home and back, every rollout byte-identical", async () => {
    const codex = homes.codex("codexhome2");
    const second = join(homes.empty(), "second");
    const third = join(homes.empty(), "third");
    const out = await runCli(["--home", codex, "export", "--to", second]);
    expect(out).toMatchObject({ code: 0, stdout: `exported 7 threads (0 skipped, 0 failed) to ${second}\n` });
    const back = await runCli(["--home", third, "import", "--from", second]);
    expect(back).toMatchObject({ code: 0, stdout: `imported 7 threads (0 skipped, 0 failed) from ${second}\n` });
    expect(rolloutFiles(second)).toEqual(rolloutFiles(codex));
    expect(rolloutFiles(third)).toEqual(rolloutFiles(codex));
  });

  it("keeps ids, names, archived flags and fork parents", async () => {
    const codex = homes.codex("codexhome2");
    const second = join(homes.empty(), "second");
    await runCli(["export", "--to", second, "--home", codex]);
    expect(await threadFacts(["--home", second])).toEqual(await threadFacts(["--home", codex]));
  });

  it("skips threads the target already has and says so", async () => {
    const codex = homes.codex("codexhome2");
    const second = join(homes.empty(), "second");
    await runCli(["--home", codex, "export", "--to", second]);
    const again = await runCli(["--home", codex, "export", "--to", second]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`exported 0 threads (7 skipped, 0 failed) to ${second}\n`);
  });

  it("a named paginated fork brings its parent, and its full history reads the same", async () => {
    const ids = codexFixtureIds(2);
    const codex = homes.codex("codexhome2");
    const second = join(homes.empty(), "second");
    const result = await runCli(["--home", codex, "export", "--to", second, ids["T_C"]!]);
    expect(result.stdout).toBe(`exported 2 threads (0 skipped, 0 failed) to ${second}\n`);
    const before = await runCliJson<{ items: unknown[] }>(["show", ids["T_C"]!, "--items", "--json", "--home", codex]);
    const after = await runCliJson<{ items: unknown[] }>(["show", ids["T_C"]!, "--items", "--json", "--home", second]);
    expect(after.items).toEqual(before.items);
  });

  it("refuses to copy a store onto itself (exit 2)", async () => {
    const codex = homes.codex("codexhome1");
    const result = await runCli(["--home", codex, "export", "--to", codex]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: export would copy ${codex} onto itself: give another store (see \`skein --help\`)\n`);
  });

  it("export without --to is a usage error (exit 2)", async () => {
    const result = await runCli(["export", "--home", homes.codex("codexhome1")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--to <url|dir>' not specified");
  });
});

describe.skipIf(PG_SKIP)("skein export / import with PostgreSQL", () => {
  const homes = useHomes();
  const schemas: string[] = [];
  afterEach(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  });

  /** A store URL with a schema no other test uses. */
  function pgStore(): string {
    const schema = `cli_${randomBytes(6).toString("hex")}`;
    schemas.push(schema);
    return `${PG_URL}${PG_URL!.includes("?") ? "&" : "?"}schema=${schema}`;
  }

  it("export --to postgres, then --store postgres list shows the same threads", async () => {
    const codex = homes.codex("codexhome2");
    const store = pgStore();
    const out = await runCli(["--home", codex, "export", "--to", store]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^exported 7 threads \(0 skipped, 0 failed\) to postgres/);
    expect(await threadFacts(["--store", store])).toEqual(await threadFacts(["--home", codex]));
  });

  it("import --from postgres into a fresh home round-trips every rollout byte for byte", async () => {
    const codex = homes.codex("codexhome2");
    const store = pgStore();
    await runCli(["--home", codex, "export", "--to", store]);
    const fresh = join(homes.empty(), "fresh");
    const back = await runCli(["--home", fresh, "import", "--from", store]);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/^imported 7 threads \(0 skipped, 0 failed\) from postgres/);
    expect(rolloutFiles(fresh)).toEqual(rolloutFiles(codex));
    expect(await threadFacts(["--home", fresh])).toEqual(await threadFacts(["--home", codex]));
  });

  it("show --items on the postgres store gives the same history as the home", async () => {
    const ids = codexFixtureIds(2);
    const codex = homes.codex("codexhome2");
    const store = pgStore();
    await runCli(["--home", codex, "export", "--to", store]);
    for (const id of [ids["T_A"]!, ids["T_C"]!, ids["T_L"]!]) {
      const local = await runCliJson<{ items: unknown[] }>(["show", id, "--items", "--json", "--home", codex]);
      const shared = await runCliJson<{ items: unknown[] }>(["show", id, "--items", "--json", "--store", store]);
      expect(shared.items).toEqual(local.items);
    }
  });
});
