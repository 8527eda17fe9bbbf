import { closeSync, existsSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codexFixtureIds, extractCodexHome, makeTempDir, type TempDir } from "@skein/testkit";
import {
  RolloutNotFoundError,
  RolloutRecorder,
  RolloutRecorderClosedError,
  RolloutWriteError,
  activeRolloutPath,
  appendRolloutItemsToPath,
  findRolloutPath,
  iterateRolloutLines,
  readRollout,
  type RecordableItem,
} from "../src/index.js";
import { THREAD_1, metaLine, userMessageLine, writeLines } from "./fixtures/builders.js";

const CREATED = Date.UTC(2026, 0, 2, 3, 4, 5);
const msg = (text: string): RecordableItem => ({ type: "event_msg", payload: { type: "user_message", message: text } });
/** Closes this process's fd of `path` behind the recorder's back, so its next write fails (EBADF). */
function closeFdOf(path: string): void {
  for (const name of readdirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue;
    }
    if (target === path) return closeSync(Number(name));
  }
  throw new Error(`no open fd of ${path}`);
}
const procFdSkip = existsSync("/proc/self/fd") ? undefined : "needs /proc/self/fd to find the recorder's fd";

const texts = (lines: Array<{ type: string; payload: unknown }>) =>
  lines.filter((l) => l.type === "event_msg").map((l) => (l.payload as { message: string }).message);

describe("RolloutRecorder", () => {
  let tmp: TempDir;
  let open: RolloutRecorder[] = [];
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(async () => {
    // Close what a test left open (its assertions are done), so no file handle outlives it.
    for (const recorder of open) await recorder.shutdown().catch(() => undefined);
    open = [];
    tmp.cleanup();
  });

  const create = (extra: Partial<Parameters<typeof RolloutRecorder.create>[0]> = {}) => {
    const recorder = RolloutRecorder.create({ home: tmp.path, threadId: THREAD_1, createdAtMs: CREATED, sessionMeta: { cwd: "/work", cli_version: "0.1.0" }, ...extra });
    open.push(recorder);
    return recorder;
  };

  describe("create", () => {
    it("computes the dated path but writes nothing until asked", async () => {
      const recorder = create();
      recorder.record([msg("hi")]);
      expect(recorder.path).toBe(activeRolloutPath(tmp.path, THREAD_1, CREATED));
      expect(recorder.materialized).toBe(false);
      expect(existsSync(join(tmp.path, "sessions"))).toBe(false);
    });

    it("treats a flush with nothing pending as a no-op", async () => {
      const recorder = create();
      await recorder.flush();
      expect(existsSync(recorder.path)).toBe(false);
    });

    it("materializes on a flush with pending items, session_meta first, order kept", async () => {
      const recorder = create();
      recorder.record([msg("one"), msg("two")]);
      recorder.record([msg("three")]);
      await recorder.flush();
      const read = await readRollout(recorder.path);
      expect(read.lines[0]!.type).toBe("session_meta");
      expect(read.meta).toMatchObject({ id: THREAD_1, cwd: "/work", timestamp: "2026-01-02T03:04:05.000Z" });
      expect(texts(read.lines)).toEqual(["one", "two", "three"]);
    });

    it("persists idempotently: one session_meta however often it is called", async () => {
      const recorder = create();
      await recorder.persist();
      await recorder.persist();
      recorder.record([msg("a")]);
      await recorder.persist();
      const read = await readRollout(recorder.path);
      expect(read.lines.map((l) => l.type)).toEqual(["session_meta", "event_msg"]);
    });

    it("writes items recorded after materialization without another flush call", async () => {
      const recorder = create();
      await recorder.persist();
      recorder.record([msg("late")]);
      await recorder.shutdown();
      expect(texts((await readRollout(recorder.path)).lines)).toEqual(["late"]);
    });

    it("creates folders 0700 and the file 0600", async () => {
      const recorder = create();
      await recorder.persist();
      expect(statSync(recorder.path).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(recorder.path)).mode & 0o777).toBe(0o700);
      expect(statSync(join(tmp.path, "sessions")).mode & 0o777).toBe(0o700);
    });

    it("writes Codex's envelope: timestamp, ordinal, type, payload, metadata, in that order", async () => {
      const recorder = create({ sessionMeta: { cwd: "/w", history_mode: "paginated" }, now: () => Date.UTC(2026, 0, 2, 3, 4, 6, 7) });
      recorder.record([{ type: "response_item", payload: { type: "message" }, metadata: { history_sequence: 1 } }]);
      await recorder.flush();
      const second = readFileSync(recorder.path, "utf8").split("\n")[1];
      expect(second).toBe('{"timestamp":"2026-01-02T03:04:06.007Z","ordinal":1,"type":"response_item","payload":{"type":"message"},"metadata":{"history_sequence":1}}');
    });

    it("numbers a paginated fork's lines from its fork point", async () => {
      const recorder = create({
        sessionMeta: { cwd: "/w", history_mode: "paginated", forked_from_ordinal_exclusive: 24, history_base: { thread_id: THREAD_1, end_ordinal_exclusive: 24, end_byte_offset: 99 } },
      });
      recorder.record([msg("a")]);
      await recorder.flush();
      expect((await readRollout(recorder.path)).lines.map((l) => l.ordinal)).toEqual([24, 25]);
    });

    it("writes no ordinals for a legacy thread", async () => {
      const recorder = create();
      recorder.record([msg("a")]);
      await recorder.flush();
      expect(readFileSync(recorder.path, "utf8")).not.toContain('"ordinal"');
    });
  });

  describe("write errors", () => {
    it("keeps every item when the folder cannot be created, and writes them once it can", async () => {
      writeFileSync(join(tmp.path, "sessions"), "a file where a folder should be");
      const recorder = create();
      recorder.record([msg("one"), msg("two")]);
      const failure = await recorder.flush().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(RolloutWriteError);
      expect((failure as RolloutWriteError).message).toMatch(new RegExp(`^failed to write rollout ${recorder.path}: `));
      expect(recorder.pendingCount).toBe(2);
      recorder.record([msg("three")]);
      rmSync(join(tmp.path, "sessions"));
      await recorder.flush();
      const read = await readRollout(recorder.path);
      expect(read.lines.filter((l) => l.type === "session_meta")).toHaveLength(1);
      expect(texts(read.lines)).toEqual(["one", "two", "three"]);
    });

    it("stays usable when shutdown fails, so the caller can retry", async () => {
      writeFileSync(join(tmp.path, "sessions"), "");
      const recorder = create();
      recorder.record([msg("kept")]);
      await expect(recorder.shutdown()).rejects.toBeInstanceOf(RolloutWriteError);
      rmSync(join(tmp.path, "sessions"));
      await recorder.shutdown();
      expect(texts((await readRollout(recorder.path)).lines)).toEqual(["kept"]);
    });
  });

  describe("append", () => {
    it("resolves with the line already in the file, readable by another reader", async () => {
      const recorder = create();
      await recorder.append([msg("one")]);
      expect(texts((await readRollout(recorder.path)).lines)).toEqual(["one"]);
      await recorder.append([msg("two"), msg("three")]);
      expect(readFileSync(recorder.path, "utf8").trimEnd().split("\n")).toHaveLength(4);
      expect(texts((await readRollout(recorder.path)).lines)).toEqual(["one", "two", "three"]);
    });

    it("rejects after shutdown", async () => {
      const recorder = create();
      await recorder.shutdown();
      await expect(recorder.append([msg("late")])).rejects.toThrow(new RolloutRecorderClosedError(THREAD_1));
    });
  });

  describe.skipIf(procFdSkip)("write errors on an open file", () => {
    it("reopens the file and retries once, losing and duplicating nothing", async () => {
      const recorder = create();
      await recorder.append([msg("before")]);
      closeFdOf(recorder.path);
      await recorder.append([msg("after")]);
      expect(recorder.pendingCount).toBe(0);
      expect(texts((await readRollout(recorder.path)).lines)).toEqual(["before", "after"]);
    });

    it("keeps items whose background write failed and writes them on the next flush", async () => {
      const recorder = create();
      await recorder.persist();
      closeFdOf(recorder.path);
      recorder.record([msg("queued")]);
      await Promise.resolve();
      expect(recorder.pendingCount).toBe(1);
      await recorder.flush();
      expect(texts((await readRollout(recorder.path)).lines)).toEqual(["queued"]);
    });

    it("keeps the items queued when the retry fails too, and writes them once it can", async () => {
      const path = join(tmp.path, "sessions/2026/01/02", `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);
      writeLines(path, [metaLine()]);
      const recorder = await RolloutRecorder.resume({ path });
      open.push(recorder);
      await recorder.append([msg("first")]);
      const saved = readFileSync(path);
      rmSync(path);
      closeFdOf(`${path} (deleted)`);
      const failure = await recorder.append([msg("second")]).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(RolloutWriteError);
      expect(recorder.pendingCount).toBe(1);
      writeFileSync(path, saved);
      await recorder.flush();
      expect(texts((await readRollout(path)).lines)).toEqual(["first", "second"]);
    });
  });

  describe("shutdown and discard", () => {
    it("refuses items after shutdown", async () => {
      const recorder = create();
      await recorder.shutdown();
      expect(() => recorder.record([msg("x")])).toThrow(new RolloutRecorderClosedError(THREAD_1));
    });

    it("does not materialize an empty thread on shutdown", async () => {
      const recorder = create();
      await recorder.shutdown();
      expect(existsSync(recorder.path)).toBe(false);
    });

    it("drops buffered items on discard and leaves no file", async () => {
      const recorder = create();
      recorder.record([msg("x")]);
      recorder.discard();
      await recorder.flush();
      expect(existsSync(recorder.path)).toBe(false);
    });
  });

  describe("resume", () => {
    const legacyPath = () => join(tmp.path, "sessions/2026/01/02", `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);

    it("appends without a new session_meta", async () => {
      writeLines(legacyPath(), [metaLine(), userMessageLine("before")]);
      const recorder = await RolloutRecorder.resume({ path: legacyPath() });
      recorder.record([msg("after")]);
      await recorder.shutdown();
      const read = await readRollout(legacyPath());
      expect(read.lines.map((l) => l.type)).toEqual(["session_meta", "event_msg", "event_msg"]);
    });

    it("does not touch the file until something is written", async () => {
      writeLines(legacyPath(), [metaLine()], "torn");
      const before = readFileSync(legacyPath());
      const recorder = await RolloutRecorder.resume({ path: legacyPath() });
      await recorder.shutdown();
      expect(readFileSync(legacyPath())).toEqual(before);
      expect(existsSync(`${legacyPath()}.torn`)).toBe(false);
    });

    it("moves a torn tail to a .torn sidecar before appending", async () => {
      writeLines(legacyPath(), [metaLine()], '{"timestamp":"2026');
      const recorder = await RolloutRecorder.resume({ path: legacyPath() });
      recorder.record([msg("clean")]);
      await recorder.shutdown();
      expect(readFileSync(`${legacyPath()}.torn`, "utf8")).toBe('{"timestamp":"2026\n');
      expect(statSync(`${legacyPath()}.torn`).mode & 0o777).toBe(0o600);
      const read = await readRollout(legacyPath());
      expect(read.parseErrors).toBe(0);
      expect(texts(read.lines)).toEqual(["clean"]);
    });

    it("appends to an existing .torn sidecar instead of overwriting it", async () => {
      writeLines(legacyPath(), [metaLine()], "first-fragment");
      await appendRolloutItemsToPath(legacyPath(), [msg("a")]);
      writeFileSync(legacyPath(), readFileSync(legacyPath(), "utf8") + "second-fragment");
      await appendRolloutItemsToPath(legacyPath(), [msg("b")]);
      expect(readFileSync(`${legacyPath()}.torn`, "utf8")).toBe("first-fragment\nsecond-fragment\n");
      expect(texts((await readRollout(legacyPath())).lines)).toEqual(["a", "b"]);
    });

    it("completes a final line that only lacks its newline instead of moving it", async () => {
      writeLines(legacyPath(), [metaLine()], userMessageLine("whole"));
      await appendRolloutItemsToPath(legacyPath(), [msg("next")]);
      expect(existsSync(`${legacyPath()}.torn`)).toBe(false);
      expect(texts((await readRollout(legacyPath())).lines)).toEqual(["whole", "next"]);
    });

    it("continues a paginated file's ordinals from its last line", async () => {
      writeLines(legacyPath(), [
        metaLine({ history_mode: "paginated" }, { ordinal: 0 }),
        JSON.stringify({ timestamp: "2026-01-02T03:04:06.000Z", ordinal: 1, type: "event_msg", payload: { type: "task_started" } }),
        "garbage that has no ordinal",
      ]);
      await appendRolloutItemsToPath(legacyPath(), [msg("a"), msg("b")]);
      const read = await readRollout(legacyPath());
      expect(read.lines.map((l) => l.ordinal)).toEqual([0, 1, 2, 3]);
    });

    it("rejects a missing file", async () => {
      await expect(RolloutRecorder.resume({ path: legacyPath() })).rejects.toThrow(new RolloutNotFoundError(legacyPath()));
    });
  });

  describe("with Codex files", () => {
    it("keeps a Codex file's bytes as an exact prefix and continues its ordinals", async () => {
      const home = extractCodexHome("codexhome2");
      try {
        const path = (await findRolloutPath(home.path, codexFixtureIds(2)["T_A"]!))!.path;
        const original = readFileSync(path);
        const recorder = await RolloutRecorder.resume({ path });
        recorder.record([msg("from skein")]);
        await recorder.shutdown();
        const after = readFileSync(path);
        expect(after.subarray(0, original.length).equals(original)).toBe(true);
        const read = await readRollout(path);
        expect(read.lines.at(-1)!.ordinal).toBe(34);
        expect(read.parseErrors).toBe(0);
      } finally {
        home.cleanup();
      }
    });

    it("leaves a 0.169 legacy thread without ordinals when appending", async () => {
      const home = extractCodexHome("codexhome2-premigrate");
      try {
        const path = (await findRolloutPath(home.path, codexFixtureIds(2)["T_L"]!))!.path;
        await appendRolloutItemsToPath(path, [msg("legacy append")]);
        const read = await readRollout(path);
        expect(read.lines).toHaveLength(40);
        expect(read.lines.at(-1)!.ordinal).toBeUndefined();
      } finally {
        home.cleanup();
      }
    });

    it("round-trips a Codex file byte for byte through the raw lines", async () => {
      const home = extractCodexHome("codexhome2");
      try {
        const path = (await findRolloutPath(home.path, codexFixtureIds(2)["T_P"]!))!.path;
        const copy = join(tmp.path, "copy.jsonl");
        const parts: Buffer[] = [];
        for await (const entry of iterateRolloutLines(path)) {
          expect(entry.line).toBeDefined();
          parts.push(entry.bytes, Buffer.from("\n"));
        }
        writeFileSync(copy, Buffer.concat(parts));
        expect(readFileSync(copy).equals(readFileSync(path))).toBe(true);
      } finally {
        home.cleanup();
      }
    });
  });
});
