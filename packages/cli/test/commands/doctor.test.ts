import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codexFixtureIds } from "@skein/testkit";
import { threadsOnDisk } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli } from "../helpers/run-cli.js";

interface DoctorJson {
  home: string;
  ok: boolean;
  problems: { kind: string; path?: string; detail: string; fix: string }[];
}

/** Cuts the file in the middle of its last line, as a crash during a write would. */
function tearLastLine(path: string): void {
  const text = readFileSync(path, "utf8");
  const lastLineStart = text.lastIndexOf("\n", text.length - 2) + 1;
  truncateSync(path, Buffer.byteLength(text.slice(0, lastLineStart + 20)));
}

describe("skein doctor", () => {
  const homes = useHomes();

  it("exits 0 on a healthy, indexed home", async () => {
    const home = homes.codex("codexhome2");
    await runCli(["reindex", "--home", home]);
    // The fixture is a Codex home copied from elsewhere: Codex's own rows are re-pointed first.
    await runCli(["doctor", "--fix", "--home", home]);
    const result = await runCli(["doctor", "--home", home]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("✓ no problems found");
  });

  it("a Codex home copied elsewhere: names the move and its effect on Codex; --fix re-points Codex's rows after a backup", async () => {
    const home = homes.codex("codexhome2");
    const before = await runCli(["doctor", "--home", home]);
    expect(before.code).toBe(1);
    // The fixture was made by the real Codex in a cache folder and copied here, as a backup would be restored.
    expect(before.stdout).toMatch(/✗ codex_home_moved: rows point into \S+\/codexhome2; this home was moved or restored there/);
    expect(before.stdout).toContain("effect: Codex lists nothing from those rows");
    const fixed = await runCli(["doctor", "--fix", "--json", "--home", home]);
    const json = JSON.parse(fixed.stdout) as {
      codex: { report: { movedFrom: string; rows: number; problems: { kind: string }[] }; repair: { backupPath: string; fixed: Record<string, number> }; remaining: number };
    };
    expect(json.codex.report.movedFrom).toMatch(/\/codexhome2$/);
    expect(json.codex.report.movedFrom).not.toBe(home);
    expect(json.codex.report.problems.map((p) => p.kind)).toEqual(Array(json.codex.report.rows).fill("stale-path"));
    expect(json.codex.repair.fixed["stale-path"]).toBe(json.codex.report.rows);
    expect(json.codex.repair.backupPath).toContain(join(home, ".skein", "codex-backups"));
    expect(json.codex.remaining).toBe(0);
    const after = await runCli(["doctor", "--home", home]);
    expect(after.stdout).toContain("✓ Codex's index agrees with the home");
  });

  it("reports a torn tail with its fix and exits 1", async () => {
    const home = homes.codex("codexhome2");
    await runCli(["reindex", "--home", home]);
    const file = threadsOnDisk(home).find((t) => t.id === codexFixtureIds(2)["T_P"])!;
    tearLastLine(file.path);
    const result = await runCli(["doctor", "--home", home]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`✗ torn_tail ${file.path}: `);
    expect(result.stdout).toMatch(/^ {4}fix: \S.*$/m);
    expect(result.stderr).toMatch(/^error: \d+ problems? found in .*; apply the listed fixes, then run `skein doctor` again$/m);
  });

  it("--json carries each problem with its kind, path and fix", async () => {
    const home = homes.codex("codexhome2");
    await runCli(["reindex", "--home", home]);
    const file = threadsOnDisk(home).find((t) => t.id === codexFixtureIds(2)["T_P"])!;
    tearLastLine(file.path);
    const result = await runCli(["doctor", "--json", "--home", home]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(report.ok).toBe(false);
    const torn = report.problems.find((p) => p.kind === "torn_tail");
    expect(torn).toMatchObject({ path: file.path });
    expect(torn!.fix.length).toBeGreaterThan(0);
  });

  it("reports rollouts the index does not know yet", async () => {
    const home = homes.codex("codexhome2");
    const result = await runCli(["doctor", "--json", "--home", home]);
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(result.code).toBe(1);
    expect(report.problems.some((p) => p.kind === "unindexed_file")).toBe(true);
  });

  it("reports an index it found corrupt and rebuilt as db_recovered, naming where the old file went; exit 1", async () => {
    const home = homes.codex("codexhome2");
    await runCli(["reindex", "--home", home]);
    await runCli(["doctor", "--fix", "--home", home]); // Codex's rows of the copied fixture re-pointed
    const db = join(home, "skein_state_1.sqlite");
    writeFileSync(db, Buffer.concat([readFileSync(db).subarray(0, 100), Buffer.alloc(4096, 0x5a)]));
    const result = await runCli(["doctor", "--json", "--home", home]);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(report.ok).toBe(false);
    const recovered = report.problems.find((p) => p.kind === "db_recovered")!;
    expect(recovered.path).toMatch(/skein_state_1\.sqlite\.corrupt-/);
    expect(existsSync(recovered.path!)).toBe(true);
    expect(recovered.detail).toBe(
      `the index ${db} could not be used (SQLITE_CORRUPT: database disk image is malformed); it was moved to ${recovered.path} and rebuilt from the rollout files`,
    );
    expect(recovered.fix).toBe(
      `nothing to repair: the index was rebuilt from the rollout files, which are intact; keep ${recovered.path} to inspect it or delete it (if this repeats, check the disk)`,
    );
  });

  it("finds the rebuilt index healthy on the next run", async () => {
    const home = homes.codex("codexhome2");
    await runCli(["reindex", "--home", home]);
    await runCli(["doctor", "--fix", "--home", home]); // Codex's rows of the copied fixture re-pointed
    const db = join(home, "skein_state_1.sqlite");
    writeFileSync(db, Buffer.concat([readFileSync(db).subarray(0, 100), Buffer.alloc(4096, 0x5a)]));
    expect((await runCli(["doctor", "--home", home])).code).toBe(1);
    const again = await runCli(["doctor", "--home", home]);
    expect(again.code, again.stdout).toBe(0);
  });

  it("reports a store running on files only as db_unavailable with the reason; exit 1", async () => {
    const home = homes.codex("codexhome2");
    const db = join(home, "skein_state_1.sqlite");
    mkdirSync(db);
    const result = await runCli(["doctor", "--json", "--home", home]);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(report.problems.find((p) => p.kind === "db_unavailable")).toEqual({
      kind: "db_unavailable",
      path: db,
      detail: `EISDIR: illegal operation on a directory, open '${db}'`,
      fix: "the store works from files; fix SQLite, then run `skein reindex`",
    });
  });
});
