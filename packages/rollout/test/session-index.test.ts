import { readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { extractCodexHome, codexFixtureIds, makeTempDir, type TempDir } from "@skein/testkit";
import {
  InvalidThreadIdError,
  SESSION_INDEX_FILE,
  appendSessionName,
  findThreadIdsByName,
  readSessionIndex,
  readSessionNames,
  removeSessionNameEntries,
} from "../src/index.js";
import { THREAD_1, THREAD_2 } from "./fixtures/builders.js";

const THREAD_3 = "01a2143c-0000-7000-8000-000000000003";

describe("session index", () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = join(tmp.path, SESSION_INDEX_FILE);
  });
  afterEach(() => tmp.cleanup());

  it("appends Codex's line shape to a 0600 file", async () => {
    await appendSessionName(tmp.path, { threadId: THREAD_1, name: "Alpha", updatedAt: new Date(Date.UTC(2026, 0, 2)) });
    expect(readFileSync(file, "utf8")).toBe(`{"id":"${THREAD_1}","thread_name":"Alpha","updated_at":"2026-01-02T00:00:00.000Z"}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("lets the last line by append order win, whatever updated_at says", async () => {
    await appendSessionName(tmp.path, { threadId: THREAD_1, name: "new", updatedAt: new Date(0) });
    writeFileSync(file, `{"id":"${THREAD_1}","thread_name":"old","updated_at":"2030-01-01T00:00:00Z"}\n` + readFileSync(file, "utf8"));
    expect((await readSessionNames(tmp.path)).get(THREAD_1)).toBe("new");
  });

  it("treats a cleared latest name as no name", async () => {
    await appendSessionName(tmp.path, { threadId: THREAD_1, name: "named" });
    await appendSessionName(tmp.path, { threadId: THREAD_1, name: "" });
    expect((await readSessionNames(tmp.path)).has(THREAD_1)).toBe(false);
    expect(readFileSync(file, "utf8")).toContain('"thread_name":""');
  });

  it("tolerates and counts bad lines", async () => {
    writeFileSync(file, `garbage\n{"id":"nope","thread_name":"x"}\n\n{"id":"${THREAD_2}","thread_name":"ok","updated_at":"2026-01-01T00:00:00Z"}\n`);
    const index = await readSessionIndex(tmp.path);
    expect(index.badLines).toBe(2);
    expect([...index.names]).toEqual([[THREAD_2, "ok"]]);
  });

  it("starts a new line after a torn last line", async () => {
    writeFileSync(file, `{"id":"${THREAD_2}","thread_na`);
    await appendSessionName(tmp.path, { threadId: THREAD_1, name: "after" });
    const index = await readSessionIndex(tmp.path);
    expect(index.names.get(THREAD_1)).toBe("after");
    expect(index.badLines).toBe(1);
  });

  it("reads a missing file as empty", async () => {
    expect(await readSessionIndex(tmp.path)).toEqual({ entries: [], names: new Map(), badLines: 0 });
  });

  it("keeps concurrent appends whole and in call order", async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => appendSessionName(tmp.path, { threadId: THREAD_1, name: `n${i}` })));
    const index = await readSessionIndex(tmp.path);
    expect(index.entries.map((e) => e.name)).toEqual(Array.from({ length: 50 }, (_, i) => `n${i}`));
    expect(index.badLines).toBe(0);
  });

  it("finds ids by their latest name, newest entry first", async () => {
    await appendSessionName(tmp.path, { threadId: THREAD_1, name: "shared" });
    await appendSessionName(tmp.path, { threadId: THREAD_2, name: "shared" });
    await appendSessionName(tmp.path, { threadId: THREAD_3, name: "shared" });
    await appendSessionName(tmp.path, { threadId: THREAD_3, name: "renamed" });
    expect(await findThreadIdsByName(tmp.path, "shared")).toEqual([THREAD_2, THREAD_1]);
    expect(await findThreadIdsByName(tmp.path, "renamed")).toEqual([THREAD_3]);
    expect(await findThreadIdsByName(tmp.path, "")).toEqual([]);
  });

  it("removes a thread's entries through a temp file and keeps other lines byte for byte", async () => {
    const other = `{"id":"${THREAD_2}","thread_name":"kept ✓","updated_at":"2026-11-25T19:43:55.774037352Z"}`;
    writeFileSync(file, `${other}\nnot json\n`);
    await appendSessionName(tmp.path, { threadId: THREAD_1, name: "gone" });
    expect(await removeSessionNameEntries(tmp.path, THREAD_1)).toBe(1);
    expect(readFileSync(file, "utf8")).toBe(`${other}\nnot json\n`);
    expect(existsSync(`${file}.tmp`)).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("leaves the file alone when the thread has no entries", async () => {
    writeFileSync(file, "x\n");
    expect(await removeSessionNameEntries(tmp.path, THREAD_1)).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("x\n");
  });

  it("rejects an invalid id", async () => {
    await expect(appendSessionName(tmp.path, { threadId: "bad", name: "x" })).rejects.toThrow(new InvalidThreadIdError("bad"));
  });
});

describe("session index of a Codex home", () => {
  it("reads the names Codex wrote", async () => {
    const home = extractCodexHome("codexhome2");
    try {
      const ids = codexFixtureIds(2);
      const names = await readSessionNames(home.path);
      expect(names.get(ids["T_A"]!)).toBe("Named paginated thread");
      expect(names.get(ids["T_L"]!)).toBe("Legacy named thread");
      expect(await findThreadIdsByName(home.path, "Named paginated thread")).toEqual([ids["T_F"], ids["T_A"]]);
    } finally {
      home.cleanup();
    }
  });
});
