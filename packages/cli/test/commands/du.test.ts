import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";
import { storageThreadId, utc, writeStorageThread } from "../helpers/storage-home.js";

interface Group {
  key: string;
  threads: number;
  bytes: number;
}
interface DuJson {
  total: { threads: number; bytes: number };
  active: { threads: number; bytes: number };
  archived: { threads: number; bytes: number };
  plain: { threads: number; bytes: number };
  compressed: { threads: number; bytes: number };
  byMonth: Group[];
  byCwd: Group[];
  bySource: Group[];
  largest: { threadId: string; bytes: number }[];
  compression: { plainBytes: number; savingsBytes: number; basis: string };
  deep?: { imageBytes: number; plainTextBytes: number; unreadable: unknown[] };
}

describe("skein du", () => {
  const homes = useHomes();

  function home() {
    const dir = join(homes.empty(), "home");
    const a = writeStorageThread(dir, { id: storageThreadId(1), createdAtMs: utc("2026-10-03T10:00:00Z"), cwd: "/src/alpha", source: "cli", bytes: 40_000 });
    const b = writeStorageThread(dir, { id: storageThreadId(2), createdAtMs: utc("2026-11-04T10:00:00Z"), cwd: "/src/beta", source: "exec", bytes: 5_000, imageBytes: 30_000 });
    const c = writeStorageThread(dir, { id: storageThreadId(3), createdAtMs: utc("2026-11-05T10:00:00Z"), cwd: "/src/alpha", source: "cli", bytes: 8_000, archived: true });
    return { dir, a, b, c };
  }

  it("breaks the bytes down by month, cwd, source, state and form, and lists the largest threads", async () => {
    const { dir, a, b, c } = home();
    const report = await runCliJson<DuJson>(["du", "--json", "--home", dir]);
    const total = a.bytes + b.bytes + c.bytes;
    expect(report.total).toEqual({ threads: 3, bytes: total });
    expect(report.active).toEqual({ threads: 2, bytes: a.bytes + b.bytes });
    expect(report.archived).toEqual({ threads: 1, bytes: c.bytes });
    expect(report.plain).toEqual({ threads: 3, bytes: total });
    expect(report.compressed).toEqual({ threads: 0, bytes: 0 });
    expect(report.byMonth).toEqual([
      { key: "2026-11", threads: 2, bytes: b.bytes + c.bytes },
      { key: "2026-10", threads: 1, bytes: a.bytes },
    ]);
    expect(report.byCwd).toEqual([
      { key: "/src/alpha", threads: 2, bytes: a.bytes + c.bytes },
      { key: "/src/beta", threads: 1, bytes: b.bytes },
    ]);
    expect(report.bySource.map((g) => g.key)).toEqual(["cli", "exec"]);
    expect(report.largest.map((t) => t.threadId)).toEqual([a.id, b.id, c.id]);
    expect(report.compression).toMatchObject({ plainBytes: total, basis: "assumed" });
    expect(report.deep).toBeUndefined();
  });

  it("--deep counts inline-image bytes and measures what zstd would save", async () => {
    const { dir, a, b, c } = home();
    const report = await runCliJson<DuJson>(["du", "--deep", "--json", "--home", dir]);
    // The data URL: "data:image/png;base64," plus 30,000 base64 characters.
    expect(report.deep!.imageBytes).toBe("data:image/png;base64,".length + 30_000);
    expect(report.deep!.plainTextBytes).toBe(a.bytes + b.bytes + c.bytes);
    expect(report.compression.basis).toBe("measured");
    // Repetitive text compresses far better than 2x; it cannot save more than the plain bytes.
    expect(report.compression.savingsBytes).toBeGreaterThan(report.compression.plainBytes / 2);
    expect(report.compression.savingsBytes).toBeLessThan(report.compression.plainBytes);
  });

  it("prints a table with the totals and the largest thread", async () => {
    const { dir, a } = home();
    const result = await runCli(["du", "--home", dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/total\s+\S+ \S+\s+3 threads/);
    expect(result.stdout).toContain("by project (cwd)");
    expect(result.stdout).toContain(a.id);
    expect(result.stdout).toContain("run `skein du --deep`");
  });

  it("shows a hostile cwd without its control characters", async () => {
    const dir = join(homes.empty(), "home");
    writeStorageThread(dir, { id: storageThreadId(9), createdAtMs: utc("2026-10-03T10:00:00Z"), cwd: "/tmp/\u001b[31mred\nline", bytes: 1000 });
    const result = await runCli(["du", "--home", dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("\u001b");
    expect(result.stdout).toContain("/tmp/?[31mred?line");
  });

  it("refuses a postgres store and a bad --largest", async () => {
    expect((await runCli(["du", "--store", "postgres://127.0.0.1:1/x"])).code).toBe(2);
    expect((await runCli(["du", "--largest", "-3", "--home", homes.empty()])).code).toBe(2);
  });
});
