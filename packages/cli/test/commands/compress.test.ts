import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";
import { DAY_MS, holdSkeinLock, storageThreadId, writeStorageThread } from "../helpers/storage-home.js";

interface Report {
  threads: { threadId: string; outcome: string; reason?: string; bytes: number; newBytes?: number; path: string }[];
  tooRecent: number;
  savedBytes: number;
  bytesBefore: number;
  bytesAfter: number;
}

describe("skein compress / decompress", () => {
  const homes = useHomes();
  const now = Date.now();

  function home() {
    const dir = join(homes.empty(), "home");
    const old = writeStorageThread(dir, { id: storageThreadId(1), createdAtMs: now - 40 * DAY_MS, mtimeMs: now - 30 * DAY_MS, bytes: 30_000 });
    const recent = writeStorageThread(dir, { id: storageThreadId(2), createdAtMs: now - 40 * DAY_MS, mtimeMs: now - 2 * DAY_MS, bytes: 30_000 });
    const archived = writeStorageThread(dir, { id: storageThreadId(3), createdAtMs: now - 20 * DAY_MS, mtimeMs: now - 10 * DAY_MS, bytes: 30_000, archived: true });
    return { dir, old, recent, archived };
  }

  it("compresses threads unchanged for 7 days, leaves recent ones, prints the bytes saved", async () => {
    const { dir, old, recent, archived } = home();
    const plain = readFileSync(old.path);
    const result = await runCli(["compress", "--home", dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/compressed 2 threads, 0 skipped, 1 too recent; saved \d/);
    expect(existsSync(old.path)).toBe(false);
    expect(existsSync(`${old.path}.zst`)).toBe(true);
    expect(existsSync(`${archived.path}.zst`)).toBe(true);
    expect(existsSync(recent.path)).toBe(true);
    expect(existsSync(`${recent.path}.zst`)).toBe(false);
    // Still listed and readable, with the same history.
    const { items } = await runCliJson<{ items: { id: string }[] }>(["list", "--json", "--home", dir]);
    expect(items.map((t) => t.id).sort()).toEqual([old.id, recent.id].sort());
    const shown = await runCliJson<{ items: unknown[] }>(["show", old.id, "--items", "--json", "--home", dir]);
    expect(shown.items.length).toBe(plain.toString().trim().split("\n").length);
    const du = await runCliJson<{ compressed: { threads: number } }>(["du", "--json", "--home", dir]);
    expect(du.compressed.threads).toBe(2);
    // Decompress gives back the very same bytes.
    const back = await runCli(["decompress", old.id, "--home", dir]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain("decompressed 1 threads");
    expect(readFileSync(old.path).equals(plain)).toBe(true);
    expect(existsSync(`${old.path}.zst`)).toBe(false);
  });

  it("leaves the index current: a reindex after compress and after decompress reads nothing again, and search still finds the thread", async () => {
    const { dir, old } = home();
    expect((await runCli(["reindex", "--home", dir])).code).toBe(0);
    const reindexed = async () => (await runCli(["reindex", "--home", dir])).stdout;
    expect((await runCli(["compress", "--home", dir])).code).toBe(0);
    expect(await reindexed()).toMatch(/\(0 new, 0 changed, 0 unreadable\)/);
    const hits = await runCliJson<{ items: { id: string }[] }>(["search", "question", "--json", "--home", dir]);
    expect(hits.items.map((h) => h.id)).toContain(old.id);
    expect((await runCli(["decompress", old.id, "--home", dir])).code).toBe(0);
    expect(await reindexed()).toMatch(/\(0 new, 0 changed, 0 unreadable\)/);
  });

  it("--dry-run lists what would be compressed and changes nothing", async () => {
    const { dir, old, archived } = home();
    const report = await runCliJson<Report>(["compress", "--dry-run", "--json", "--home", dir]);
    expect(report.threads.map((t) => `${t.threadId} ${t.outcome}`).sort()).toEqual([`${old.id} would-compress`, `${archived.id} would-compress`].sort());
    expect(report.tooRecent).toBe(1);
    expect(existsSync(old.path) && existsSync(archived.path)).toBe(true);
    expect(existsSync(`${old.path}.zst`)).toBe(false);
  });

  it("--archived compresses archived threads only; --older-than moves the window", async () => {
    const { dir, old, recent, archived } = home();
    const report = await runCliJson<Report>(["compress", "--archived", "--json", "--home", dir]);
    expect(report.threads.map((t) => t.threadId)).toEqual([archived.id]);
    expect(existsSync(old.path)).toBe(true);
    const wide = await runCliJson<Report>(["compress", "--older-than", "1d", "--json", "--home", dir]);
    expect(wide.threads.map((t) => t.threadId).sort()).toEqual([old.id, recent.id].sort());
    expect(wide.savedBytes).toBe(wide.bytesBefore - wide.bytesAfter);
    expect(wide.savedBytes).toBeGreaterThan(0);
  });

  it("never touches a thread with a live writer", async () => {
    const { dir, old } = home();
    holdSkeinLock(dir, old.id);
    const dry = await runCliJson<Report>(["compress", "--dry-run", "--json", "--home", dir]);
    expect(dry.threads.find((t) => t.threadId === old.id)).toMatchObject({ outcome: "skipped", reason: expect.stringContaining("live writer") });
    const report = await runCliJson<Report>(["compress", "--json", "--home", dir]);
    expect(report.threads.find((t) => t.threadId === old.id)).toMatchObject({ outcome: "skipped", reason: expect.stringContaining("live writer") });
    expect(existsSync(old.path)).toBe(true);
    expect(existsSync(`${old.path}.zst`)).toBe(false);
  });

  it("replaces the leftover .zst of an interrupted compression (the plain file wins)", async () => {
    const { dir, old } = home();
    writeFileSync(`${old.path}.zst`, "not zstd at all");
    const report = await runCliJson<Report>(["compress", old.id, "--json", "--home", dir]);
    expect(report.threads).toMatchObject([{ threadId: old.id, outcome: "compressed" }]);
    const shown = await runCliJson<{ items: unknown[] }>(["show", old.id, "--items", "--json", "--home", dir]);
    expect(shown.items.length).toBeGreaterThan(2);
  });

  it("removes the temp files of a killed compress that no live writer holds; doctor reports them and --fix removes them", async () => {
    const { dir, old, recent, archived } = home();
    const folder = (path: string) => path.slice(0, path.lastIndexOf("/"));
    const name = (path: string) => path.slice(path.lastIndexOf("/") + 1);
    // Skein's temp names carry the thread's rollout name; Codex's are anonymous.
    const staleOld = join(folder(old.path), `rollout-compress-${name(old.path)}.zst-0123456789ab.tmp`);
    const staleArchived = join(folder(archived.path), `rollout-decompress-${name(archived.path)}-0123456789ab.tmp`);
    const heldRecent = join(folder(recent.path), `rollout-compress-${name(recent.path)}.zst-ba9876543210.tmp`);
    const anonymousFresh = join(folder(old.path), "rollout-compress-Ab12xy.tmp");
    for (const path of [staleOld, staleArchived, heldRecent, anonymousFresh]) writeFileSync(path, "partial zstd");
    holdSkeinLock(dir, recent.id); // a live writer: its temp may be in use

    const doctor = await runCli(["doctor", "--json", "--home", dir]);
    expect(doctor.code).toBe(1);
    const problems = (JSON.parse(doctor.stdout) as { problems: { kind: string; path?: string; threadId?: string }[] }).problems.filter((p) => p.kind === "stale_temp_file");
    expect(problems.map((p) => p.path).sort()).toEqual([staleOld, staleArchived].sort());
    expect(problems.find((p) => p.path === staleOld)?.threadId).toBe(old.id);

    const fixed = await runCli(["doctor", "--fix", "--home", dir]);
    expect(fixed.stderr).toContain("removed 2 temp file(s)");
    expect([staleOld, staleArchived].some((path) => existsSync(path))).toBe(false);
    expect(existsSync(heldRecent) && existsSync(anonymousFresh)).toBe(true);

    // The next compress cleans up too (here: a new leftover of a thread nobody holds).
    writeFileSync(staleOld, "partial zstd");
    const report = await runCliJson<Report & { staleTempsRemoved: number }>(["compress", "--json", "--home", dir]);
    expect(report.staleTempsRemoved).toBe(1);
    expect(existsSync(staleOld)).toBe(false);
    expect(existsSync(heldRecent) && existsSync(anonymousFresh)).toBe(true);
  });

  it("refuses a bad --older-than", async () => {
    const result = await runCli(["compress", "--older-than", "soon", "--home", homes.empty()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--older-than expects a duration");
  });
});
