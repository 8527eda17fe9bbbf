import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codexFixtureIds, extractCodexHome, makeTempDir, type TempDir } from "@skein/testkit";
import {
  InvalidRolloutFileNameError,
  InvalidThreadIdError,
  activeRolloutPath,
  archivedPathFor,
  findRolloutPath,
  isArchivedPath,
  parseRolloutFileName,
  rolloutFileName,
  scanRolloutFiles,
  unarchivedPathFor,
} from "../src/index.js";
import { THREAD_1, THREAD_2 } from "./fixtures/builders.js";

const NAME = `rollout-2026-11-25T19-43-53-${THREAD_1}.jsonl`;

describe("layout", () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  describe("rolloutFileName", () => {
    it("spells the creation time in local time", () => {
      const ms = Date.UTC(2026, 10, 25, 19, 43, 53, 120);
      const d = new Date(ms);
      const p = (n: number) => String(n).padStart(2, "0");
      const expected = `rollout-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}-${THREAD_1}.jsonl`;
      expect(rolloutFileName(THREAD_1, ms)).toBe(expected);
    });

    it("follows the process's TZ (Tokyo is 9 hours ahead of UTC)", () => {
      const saved = process.env["TZ"];
      process.env["TZ"] = "Asia/Tokyo"; // Node re-reads TZ when it is assigned
      try {
        expect(activeRolloutPath("/h", THREAD_1, Date.UTC(2026, 10, 25, 19, 40, 47))).toBe(
          `/h/sessions/2026/11/26/rollout-2026-11-26T04-40-47-${THREAD_1}.jsonl`,
        );
      } finally {
        if (saved === undefined) delete process.env["TZ"];
        else process.env["TZ"] = saved;
      }
    });

    it("rejects an id that is not a UUID before building a path", () => {
      expect(() => rolloutFileName("../../etc/passwd", 0)).toThrow(new InvalidThreadIdError("../../etc/passwd"));
    });
  });

  describe("parseRolloutFileName", () => {
    it("reads the id and the name's time as UTC", () => {
      expect(parseRolloutFileName(`/x/${NAME}`)).toEqual({ threadId: THREAD_1, timestampMs: Date.UTC(2026, 10, 25, 19, 43, 53), compressed: false });
    });

    it("accepts a compressed name", () => {
      expect(parseRolloutFileName(`${NAME}.zst`)?.compressed).toBe(true);
    });

    it("refuses other names and impossible dates", () => {
      expect(parseRolloutFileName("rollout-foo.jsonl")).toBeUndefined();
      expect(parseRolloutFileName(NAME.replace(".jsonl", ".json"))).toBeUndefined();
      expect(parseRolloutFileName(NAME.replace("11-25T", "02-30T"))).toBeUndefined();
    });

    it("knows leap days and refuses impossible months and times", () => {
      const at = (date: string, time = "19-43-53") => parseRolloutFileName(NAME.replace("2026-11-25T19-43-53", `${date}T${time}`));
      expect(at("2024-02-29")?.timestampMs).toBe(Date.UTC(2024, 1, 29, 19, 43, 53));
      expect(at("2000-02-29")?.timestampMs).toBe(Date.UTC(2000, 1, 29, 19, 43, 53));
      expect([at("2026-02-29"), at("2100-02-29"), at("2026-13-01"), at("2026-00-10"), at("2026-04-31"), at("2026-04-00")]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
      expect([at("2026-04-30", "24-00-00"), at("2026-04-30", "23-60-00"), at("2026-04-30", "23-59-60")]).toEqual([undefined, undefined, undefined]);
      expect(at("2026-12-31", "23-59-59")?.timestampMs).toBe(Date.UTC(2026, 11, 31, 23, 59, 59));
    });
  });

  describe("archive paths", () => {
    it("maps an active path to the flat archive and back to its dated folder", () => {
      const active = join(tmp.path, "sessions/2026/11/25", NAME);
      const archived = archivedPathFor(tmp.path, active);
      expect(archived).toBe(join(tmp.path, "archived_sessions", NAME));
      expect(isArchivedPath(tmp.path, archived)).toBe(true);
      expect(isArchivedPath(tmp.path, active)).toBe(false);
      expect(unarchivedPathFor(tmp.path, archived)).toBe(active);
    });

    it("refuses to unarchive a name without a timestamp", () => {
      const bad = join(tmp.path, "archived_sessions", "notes.jsonl");
      expect(() => unarchivedPathFor(tmp.path, bad)).toThrow(new InvalidRolloutFileNameError(bad));
    });
  });

  describe("findRolloutPath", () => {
    it("prefers the active file over an archived copy", async () => {
      const active = activeRolloutPath(tmp.path, THREAD_1, Date.UTC(2026, 0, 2));
      mkdirSync(join(active, ".."), { recursive: true });
      writeFileSync(active, "{}\n");
      mkdirSync(join(tmp.path, "archived_sessions"));
      writeFileSync(archivedPathFor(tmp.path, active), "{}\n");
      expect(await findRolloutPath(tmp.path, THREAD_1, { includeArchived: true })).toEqual({ path: active, archived: false });
    });

    it("finds an archived file only when asked", async () => {
      mkdirSync(join(tmp.path, "archived_sessions"));
      writeFileSync(join(tmp.path, "archived_sessions", NAME), "{}\n");
      expect(await findRolloutPath(tmp.path, THREAD_1)).toBeUndefined();
      expect(await findRolloutPath(tmp.path, THREAD_1, { includeArchived: true })).toEqual({ path: join(tmp.path, "archived_sessions", NAME), archived: true });
    });

    it("lets a plain file hide its compressed sibling", async () => {
      const dir = join(tmp.path, "sessions/2020/01/01");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${NAME}.zst`), "");
      expect((await findRolloutPath(tmp.path, THREAD_1))?.path).toBe(join(dir, `${NAME}.zst`));
      writeFileSync(join(dir, NAME), "");
      expect((await findRolloutPath(tmp.path, THREAD_1))?.path).toBe(join(dir, NAME));
    });

    it("finds a file in a folder that does not match the id's embedded time", async () => {
      const dir = join(tmp.path, "sessions/2019/05/06");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, NAME), "");
      expect((await findRolloutPath(tmp.path, THREAD_1))?.path).toBe(join(dir, NAME));
    });

    it("rejects a malformed id", async () => {
      await expect(findRolloutPath(tmp.path, "x/../y")).rejects.toThrow(new InvalidThreadIdError("x/../y"));
    });
  });

  describe("scanRolloutFiles", () => {
    it("lists active and archived files and ignores other names", async () => {
      const dir = join(tmp.path, "sessions/2026/11/25");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, NAME), "abc\n");
      writeFileSync(join(dir, "notes.txt"), "");
      writeFileSync(join(dir, `${NAME}.tmp`), "");
      mkdirSync(join(tmp.path, "archived_sessions"));
      writeFileSync(join(tmp.path, "archived_sessions", NAME.replace(THREAD_1, THREAD_2)), "");
      const all = await scanRolloutFiles(tmp.path);
      expect(all.map((f) => [f.threadId, f.archived, f.size])).toEqual([
        [THREAD_1, false, 4],
        [THREAD_2, true, 0],
      ]);
      expect((await scanRolloutFiles(tmp.path, { archived: true })).map((f) => f.threadId)).toEqual([THREAD_2]);
      expect((await scanRolloutFiles(tmp.path, { archived: false })).map((f) => f.threadId)).toEqual([THREAD_1]);
    });

    it("refuses and reports a symlink that points outside the home", async () => {
      const outside = makeTempDir();
      try {
        writeFileSync(join(outside.path, "secret.jsonl"), "x\n");
        const dir = join(tmp.path, "sessions/2026/11/25");
        mkdirSync(dir, { recursive: true });
        symlinkSync(join(outside.path, "secret.jsonl"), join(dir, NAME));
        const refused: string[] = [];
        const files = await scanRolloutFiles(tmp.path, { onRefused: (e) => refused.push(e.message) });
        expect(files).toEqual([]);
        expect(refused).toEqual([`path ${join(dir, NAME)} resolves outside home ${tmp.path}`]);
      } finally {
        outside.cleanup();
      }
    });

    it("follows a symlink that stays inside the home", async () => {
      const dir = join(tmp.path, "sessions/2026/11/25");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(tmp.path, "real.jsonl"), "x\n");
      symlinkSync(join(tmp.path, "real.jsonl"), join(dir, NAME));
      expect((await scanRolloutFiles(tmp.path)).map((f) => f.size)).toEqual([2]);
      rmSync(join(dir, NAME));
    });
  });

  describe("on a Codex home", () => {
    it("finds every thread of codexhome2, active and archived", async () => {
      const home = extractCodexHome("codexhome2");
      try {
        const ids = codexFixtureIds(2);
        const files = await scanRolloutFiles(home.path);
        expect(files).toHaveLength(7);
        expect(files.filter((f) => f.archived).map((f) => f.threadId)).toEqual([ids["T_B"]]);
        expect(await findRolloutPath(home.path, ids["T_B"]!)).toBeUndefined();
        expect((await findRolloutPath(home.path, ids["T_B"]!, { includeArchived: true }))?.archived).toBe(true);
        expect(await findRolloutPath(home.path, ids["T_E"]!, { includeArchived: true })).toBeUndefined();
      } finally {
        home.cleanup();
      }
    });
  });
});
