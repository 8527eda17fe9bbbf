import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";
import { DAY_MS, storageThreadId, writeStorageThread, type WrittenThread } from "../helpers/storage-home.js";

interface PruneJson {
  threads: { threadId: string; outcome: string; reason?: string; bytes: number }[];
  bytes: number;
}
interface TrashJson {
  items: { threadId: string; reason: string; bytes: number; files: { original: string }[] }[];
}

describe("skein prune and the trash", () => {
  const homes = useHomes();
  const now = Date.now();

  function home() {
    const dir = join(homes.empty(), "home");
    const t: Record<string, WrittenThread> = {};
    t["cli"] = writeStorageThread(dir, { id: storageThreadId(1), createdAtMs: now - 40 * DAY_MS, cwd: "/src/alpha", source: "cli", bytes: 30_000 });
    t["exec"] = writeStorageThread(dir, { id: storageThreadId(2), createdAtMs: now - 40 * DAY_MS, cwd: "/src/beta", source: "exec", bytes: 5_000 });
    t["recent"] = writeStorageThread(dir, { id: storageThreadId(3), createdAtMs: now - 2 * DAY_MS, cwd: "/src/delta", source: "cli", bytes: 5_000 });
    t["archived"] = writeStorageThread(dir, { id: storageThreadId(4), createdAtMs: now - 20 * DAY_MS, cwd: "/src/beta", source: "cli", bytes: 8_000, archived: true });
    t["parent"] = writeStorageThread(dir, { id: storageThreadId(5), createdAtMs: now - 50 * DAY_MS, cwd: "/src/gamma", source: "cli", bytes: 6_000 });
    t["fork"] = writeStorageThread(dir, {
      id: storageThreadId(6),
      createdAtMs: now - 1 * DAY_MS,
      cwd: "/src/gamma",
      source: "cli",
      bytes: 3_000,
      historyBase: { threadId: storageThreadId(5), endByteOffset: t["parent"].bytes },
    });
    return { dir, t };
  }
  const listed = async (dir: string, archived = false) =>
    (await runCliJson<{ items: { id: string }[] }>(["list", "--json", "--all", ...(archived ? ["--archived"] : []), "--home", dir])).items.map((i) => i.id).sort();
  const outcomes = (report: PruneJson) => Object.fromEntries(report.threads.map((t) => [t.threadId, t.outcome]));

  it("--dry-run lists exactly what would go and its bytes, keeps a fork's parent and says why, changes nothing", async () => {
    const { dir, t } = home();
    const report = await runCliJson<PruneJson>(["prune", "--older-than", "7d", "--dry-run", "--json", "--home", dir]);
    expect(outcomes(report)).toEqual({ [t["cli"]!.id]: "would-trash", [t["exec"]!.id]: "would-trash", [t["archived"]!.id]: "would-trash", [t["parent"]!.id]: "kept" });
    expect(report.bytes).toBe(t["cli"]!.bytes + t["exec"]!.bytes + t["archived"]!.bytes);
    expect(report.threads.find((x) => x.threadId === t["parent"]!.id)!.reason).toContain(`fork ${t["fork"]!.id} reads its history through it (history_base)`);
    for (const x of Object.values(t)) expect(existsSync(x.path)).toBe(true);
    const text = await runCli(["prune", "--older-than", "7d", "--dry-run", "--home", dir]);
    expect(text.stdout).toContain("dry run: would move 3 threads");
  });

  it("moves the threads to the trash, where they are listed, and restores one byte for byte", async () => {
    const { dir, t } = home();
    const before = readFileSync(t["cli"]!.path);
    const result = await runCli(["prune", "--older-than", "7d", "--home", dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("moved 3 threads");
    expect(existsSync(t["cli"]!.path)).toBe(false);
    expect(existsSync(join(dir, ".skein", "trash", t["cli"]!.id, "entry.json"))).toBe(true);
    expect(await listed(dir)).toEqual([t["recent"]!.id, t["parent"]!.id, t["fork"]!.id].sort());
    expect(await listed(dir, true)).toEqual([]);
    const trash = await runCliJson<TrashJson>(["trash", "list", "--json", "--home", dir]);
    expect(trash.items.map((e) => e.threadId).sort()).toEqual([t["cli"]!.id, t["exec"]!.id, t["archived"]!.id].sort());
    expect(trash.items.every((e) => e.reason === "prune")).toBe(true);
    const du = await runCliJson<{ trash: { threads: number; bytes: number } }>(["du", "--json", "--home", dir]);
    expect(du.trash).toEqual({ threads: 3, bytes: t["cli"]!.bytes + t["exec"]!.bytes + t["archived"]!.bytes });
    const restore = await runCli(["trash", "restore", t["cli"]!.id, t["archived"]!.id, "--home", dir]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(readFileSync(t["cli"]!.path).equals(before)).toBe(true);
    expect(await listed(dir)).toContain(t["cli"]!.id);
    expect(await listed(dir, true)).toEqual([t["archived"]!.id]);
    const after = await runCliJson<TrashJson>(["trash", "list", "--json", "--home", dir]);
    expect(after.items.map((e) => e.threadId)).toEqual([t["exec"]!.id]);
  });

  it("applies each filter, and all of them together", async () => {
    const { dir, t } = home();
    const plan = async (...args: string[]) =>
      Object.keys(outcomes(await runCliJson<PruneJson>(["prune", ...args, "--dry-run", "--json", "--home", dir])))
        .filter((id) => id !== t["parent"]!.id)
        .sort();
    expect(await plan("--source", "exec")).toEqual([t["exec"]!.id]);
    expect(await plan("--larger-than", "20k")).toEqual([t["cli"]!.id]);
    expect(await plan("--archived-only")).toEqual([t["archived"]!.id]);
    expect(await plan("--cwd", "/src/beta")).toEqual([t["exec"]!.id, t["archived"]!.id].sort());
    expect(await plan("--cwd", "/src")).toEqual([t["cli"]!.id, t["exec"]!.id, t["recent"]!.id, t["archived"]!.id, t["fork"]!.id].sort());
    expect(await plan("--cwd", "/src/beta", "--source", "cli")).toEqual([t["archived"]!.id]);
    expect(await plan("--older-than", "30d", "--source", "cli,exec")).toEqual([t["cli"]!.id, t["exec"]!.id].sort());
  });

  it("refuses to prune without a filter, and bad sizes and ages", async () => {
    const { dir } = home();
    for (const args of [[], ["--larger-than", "big"], ["--older-than", "7"]]) {
      const result = await runCli(["prune", ...args, "--home", dir]);
      expect(result.code, args.join(" ")).toBe(2);
    }
  });

  it("trashes a fork with its parent when both match, and restoring the fork brings the parent back", async () => {
    const { dir, t } = home();
    const report = await runCliJson<PruneJson>(["prune", "--cwd", "/src/gamma", "--json", "--home", dir]);
    expect(outcomes(report)).toEqual({ [t["parent"]!.id]: "trashed", [t["fork"]!.id]: "trashed" });
    const restore = await runCli(["trash", "restore", t["fork"]!.id, "--home", dir]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain(`restored ${t["parent"]!.id} (fork parent of ${t["fork"]!.id})`);
    const shown = await runCliJson<{ items: unknown[] }>(["show", t["fork"]!.id, "--items", "--json", "--home", dir]);
    // The fork's history: the parent's lines, then its own.
    expect(shown.items.length).toBe(readFileSync(t["parent"]!.path, "utf8").trim().split("\n").length + readFileSync(t["fork"]!.path, "utf8").trim().split("\n").length);
  });

  it("delete goes through the trash unless --permanent", async () => {
    const { dir, t } = home();
    const id = t["recent"]!.id;
    const moved = await runCli(["delete", id, "--yes", "--home", dir]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain(`moved ${id}`);
    expect((await runCliJson<TrashJson>(["trash", "list", "--json", "--home", dir])).items[0]).toMatchObject({ threadId: id, reason: "delete" });
    expect((await runCli(["trash", "restore", id, "--home", dir])).code).toBe(0);
    expect(existsSync(t["recent"]!.path)).toBe(true);
    const gone = await runCli(["delete", id, "--permanent", "--yes", "--home", dir]);
    expect(gone.stdout).toContain(`deleted ${id}`);
    expect(existsSync(t["recent"]!.path)).toBe(false);
    expect((await runCliJson<TrashJson>(["trash", "list", "--json", "--home", dir])).items).toEqual([]);
  });

  it("empty --older-than deletes only old entries; the others still restore; a fork's parent stays", async () => {
    const { dir, t } = home();
    for (const key of ["cli", "exec", "parent"]) expect((await runCli(["delete", t[key]!.id, "--yes", "--home", dir])).code).toBe(0);
    // Age two entries as if trashed 40 days ago.
    for (const key of ["cli", "parent"]) {
      const file = join(dir, ".skein", "trash", t[key]!.id, "entry.json");
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), trashedAtMs: now - 40 * DAY_MS }));
    }
    expect((await runCli(["trash", "empty", "--older-than", "30d", "--home", dir])).code).toBe(2); // needs --yes
    const report = await runCliJson<{ removed: { threadId: string }[]; kept: { threadId: string; reason: string }[] }>(["trash", "empty", "--older-than", "30d", "--yes", "--json", "--home", dir]);
    expect(report.removed.map((r) => r.threadId)).toEqual([t["cli"]!.id]);
    expect(report.kept).toMatchObject([{ threadId: t["parent"]!.id, reason: expect.stringContaining(t["fork"]!.id) }]);
    const missing = await runCli(["trash", "restore", t["cli"]!.id, "--home", dir]);
    expect(missing.code).toBe(1);
    const back = await runCli(["trash", "restore", t["exec"]!.id, t["parent"]!.id, "--home", dir]);
    expect(back.code, back.stderr).toBe(0);
    expect(await listed(dir)).toEqual([t["exec"]!.id, t["recent"]!.id, t["parent"]!.id, t["fork"]!.id].sort());
  });

  it("refuses to restore to a place outside the home named by a tampered entry", async () => {
    const { dir, t } = home();
    await runCli(["delete", t["cli"]!.id, "--yes", "--home", dir]);
    const file = join(dir, ".skein", "trash", t["cli"]!.id, "entry.json");
    const entry = JSON.parse(readFileSync(file, "utf8"));
    entry.files[0].original = "../escaped.jsonl";
    writeFileSync(file, JSON.stringify(entry));
    const result = await runCli(["trash", "restore", t["cli"]!.id, "--home", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("outside the home");
    expect(existsSync(join(dir, "..", "escaped.jsonl"))).toBe(false);
  });
});
