import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codexExamplesDir, codexFixtureIds, extractCodexHome, makeTempDir, type TempDir } from "@skein/testkit";
import {
  EmptyRolloutError,
  ForkCycleError,
  MissingForkParentError,
  RolloutNotFoundError,
  findRolloutPath,
  iterateRolloutLines,
  loadThreadHistory,
  readRollout,
  scanRolloutFiles,
} from "../src/index.js";
import { THREAD_1, THREAD_2, line, metaLine, userMessageLine, writeLines } from "./fixtures/builders.js";

describe("rollout reader", () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = join(tmp.path, "r.jsonl");
  });
  afterEach(() => tmp.cleanup());

  describe("readRollout", () => {
    it("agrees with iterateRolloutLines across chunk boundaries, multi-byte and invalid UTF-8", async () => {
      const wide = userMessageLine("é漢🙂".repeat(120_000)); // > 1 MB of multi-byte text per line
      const bad = Buffer.concat([Buffer.from('{"timestamp":"t","type":"x","payload":"'), Buffer.from([0xff, 0xc3]), Buffer.from('"}')]);
      const lines = [metaLine(), ...Array.from({ length: 6 }, () => wide), "{bad", "", bad.toString("latin1")];
      writeFileSync(file, Buffer.concat([...lines.slice(0, -1).map((l) => Buffer.from(`${l}\n`)), bad, Buffer.from("\n"), Buffer.from(userMessageLine("torn"))]));
      const read = await readRollout(file);
      const entries = [];
      for await (const entry of iterateRolloutLines(file)) entries.push(entry);
      expect(read.lines).toEqual(entries.flatMap((e) => (e.line ? [e.line] : [])));
      expect(read.badLines).toEqual(entries.filter((e) => !e.line).map((e) => ({ lineNumber: e.lineNumber, byteOffset: e.byteOffset, reason: e.error })));
      expect(read.tornTail).toEqual({ byteOffset: entries.at(-1)!.byteOffset, length: entries.at(-1)!.byteLength, parsed: true });
      expect(read.size).toBe(readFileSync(file).length);
    });

    it("returns every line, the first session_meta as meta, and the size", async () => {
      writeLines(file, [metaLine(), userMessageLine("hi"), metaLine({ memory_mode: "disabled" })]);
      const read = await readRollout(file);
      expect(read.lines.map((l) => l.type)).toEqual(["session_meta", "event_msg", "session_meta"]);
      expect(read.meta?.memory_mode).toBeUndefined();
      expect(read.meta?.id).toBe(THREAD_1);
      expect(read.size).toBe(readFileSync(file).length);
      expect(read.parseErrors).toBe(0);
    });

    it("skips blank lines without counting them", async () => {
      writeLines(file, ["", metaLine(), "   ", "", userMessageLine("hi")]);
      const read = await readRollout(file);
      expect(read.lines).toHaveLength(2);
      expect(read.parseErrors).toBe(0);
    });

    it("skips and reports lines that are not JSON or not rollout lines", async () => {
      writeLines(file, [metaLine(), "{not json", JSON.stringify({ type: "event_msg" }), userMessageLine("hi")]);
      const read = await readRollout(file);
      expect(read.lines).toHaveLength(2);
      expect(read.parseErrors).toBe(2);
      expect(read.badLines.map((b) => [b.lineNumber, b.byteOffset])).toEqual([
        [2, metaLine().length + 1],
        [3, metaLine().length + 1 + "{not json".length + 1],
      ]);
      expect(read.badLines[0]!.reason).toMatch(/^invalid JSON: /);
      expect(read.badLines[1]!.reason).toMatch(/^invalid rollout line: /);
    });

    it("caps the bad-line list but not the count", async () => {
      writeLines(file, [metaLine(), ...Array.from({ length: 30 }, () => "garbage")]);
      const read = await readRollout(file, { maxBadLines: 5 });
      expect(read.parseErrors).toBe(30);
      expect(read.badLines).toHaveLength(5);
    });

    it("keeps unknown record kinds verbatim", async () => {
      const future = { full: true, state: { nested: [1, { a: null }] } };
      writeLines(file, [metaLine(), line("hologram_frame", future, { ordinal: 1 })]);
      const read = await readRollout(file);
      expect(read.lines[1]).toEqual({ timestamp: "2026-01-02T03:04:06.000Z", ordinal: 1, type: "hologram_frame", payload: future });
    });

    it("keeps unknown fields of known kinds", async () => {
      writeLines(file, [metaLine({ account_scoped: true, context_window: { window_id: "w" } })]);
      const read = await readRollout(file);
      expect(read.meta).toMatchObject({ account_scoped: true, context_window: { window_id: "w" } });
    });

    it("reports a torn last line and leaves it out", async () => {
      writeLines(file, [metaLine()], '{"timestamp":"2026-01-0');
      const read = await readRollout(file);
      expect(read.lines).toHaveLength(1);
      expect(read.tornTail).toEqual({ byteOffset: metaLine().length + 1, length: 23, parsed: false });
      expect(read.parseErrors).toBe(1);
    });

    it("keeps a last line that is complete but lacks its newline, and still reports it", async () => {
      writeLines(file, [metaLine()], userMessageLine("no newline"));
      const read = await readRollout(file);
      expect(read.lines).toHaveLength(2);
      expect(read.tornTail?.parsed).toBe(true);
    });

    it("does not throw on invalid UTF-8", async () => {
      writeFileSync(file, Buffer.concat([Buffer.from(`${metaLine()}\n`), Buffer.from([0xff, 0xfe, 0x7b, 0x0a]), Buffer.from(`${userMessageLine("é")}\n`)]));
      const read = await readRollout(file);
      expect(read.lines).toHaveLength(2);
      expect(read.parseErrors).toBe(1);
    });

    it("reads a 50 MB single line", async () => {
      const big = "x".repeat(50 * 1024 * 1024);
      writeLines(file, [metaLine(), line("response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: big }] }), userMessageLine("after")]);
      const read = await readRollout(file);
      expect(read.lines).toHaveLength(3);
      const content = (read.lines[1]!.payload as { content: Array<{ text: string }> }).content;
      expect(content[0]!.text.length).toBe(big.length);
    });

    it("throws EmptyRolloutError for a file of blank lines", async () => {
      writeFileSync(file, "\n  \n\n");
      await expect(readRollout(file)).rejects.toThrow(new EmptyRolloutError(file));
    });

    it("throws RolloutNotFoundError for a missing file", async () => {
      await expect(readRollout(file)).rejects.toThrow(new RolloutNotFoundError(file));
    });
  });

  describe("iterateRolloutLines", () => {
    it("gives raw bytes and UTF-8 byte offsets that include the newline", async () => {
      const lines = [metaLine(), userMessageLine("héllo ✓"), userMessageLine("z")];
      writeLines(file, lines);
      const entries = [];
      for await (const e of iterateRolloutLines(file)) entries.push(e);
      const data = readFileSync(file);
      for (const e of entries) {
        expect(data.subarray(e.byteOffset, e.byteOffset + e.byteLength).toString("utf8")).toBe(`${e.raw}\n`);
      }
      expect(entries[2]!.byteOffset).toBe(Buffer.byteLength(`${lines[0]}\n${lines[1]}\n`));
    });

    it("reads a byte range", async () => {
      writeLines(file, [metaLine(), userMessageLine("a"), userMessageLine("b")]);
      const start = metaLine().length + 1;
      const end = start + userMessageLine("a").length + 1;
      const raws = [];
      for await (const e of iterateRolloutLines(file, { start, end })) raws.push(e.raw);
      expect(raws).toEqual([userMessageLine("a")]);
    });
  });

  describe("loadThreadHistory", () => {
    const forkMeta = (id: string, parent: string, endByteOffset: number, endOrdinal: number) =>
      metaLine({ id, forked_from_id: parent, history_mode: "paginated", history_base: { thread_id: parent, end_ordinal_exclusive: endOrdinal, end_byte_offset: endByteOffset } }, { ordinal: endOrdinal });

    it("names the missing parent of a fork", async () => {
      const path = join(tmp.path, "sessions/2026/01/02", `rollout-2026-01-02T03-04-05-${THREAD_2}.jsonl`);
      writeLines(path, [forkMeta(THREAD_2, THREAD_1, 10, 1)]);
      await expect(loadThreadHistory({ home: tmp.path, path })).rejects.toThrow(new MissingForkParentError(THREAD_2, THREAD_1));
    });

    it("refuses a history_base cycle", async () => {
      const p1 = join(tmp.path, "sessions/2026/01/02", `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`);
      const p2 = join(tmp.path, "sessions/2026/01/02", `rollout-2026-01-02T03-04-05-${THREAD_2}.jsonl`);
      writeLines(p1, [forkMeta(THREAD_1, THREAD_2, 5000, 1)]);
      writeLines(p2, [forkMeta(THREAD_2, THREAD_1, 5000, 1)]);
      await expect(loadThreadHistory({ home: tmp.path, path: p1 })).rejects.toThrow(new ForkCycleError([THREAD_1, THREAD_2, THREAD_1]));
    });

    it("resolves a fork of a fork down to the root", async () => {
      const dir = join(tmp.path, "sessions/2026/01/02");
      const t3 = "01a2143c-0000-7000-8000-000000000003";
      const root = [metaLine({ history_mode: "paginated" }, { ordinal: 0 }), line("event_msg", { type: "task_started" }, { ordinal: 1 }), line("event_msg", { type: "task_complete" }, { ordinal: 2 })];
      writeLines(join(dir, `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`), root);
      const rootCut = Buffer.byteLength(`${root[0]}\n${root[1]}\n`);
      const mid = [forkMeta(THREAD_2, THREAD_1, rootCut, 2), line("event_msg", { type: "task_started" }, { ordinal: 3 }), line("event_msg", { type: "task_complete" }, { ordinal: 4 })];
      writeLines(join(dir, `rollout-2026-01-02T03-04-05-${THREAD_2}.jsonl`), mid);
      const midCut = Buffer.byteLength(`${mid[0]}\n${mid[1]}\n`);
      const leafPath = join(dir, `rollout-2026-01-02T03-04-05-${t3}.jsonl`);
      writeLines(leafPath, [forkMeta(t3, THREAD_2, midCut, 4), line("event_msg", { type: "task_started" }, { ordinal: 5 })]);
      const history = await loadThreadHistory({ home: tmp.path, path: leafPath });
      expect(history.lines.map((l) => l.ordinal)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(history.meta?.id).toBe(t3);
      expect(history.segments.map((s) => [s.threadId, s.lineCount])).toEqual([[THREAD_1, 2], [THREAD_2, 2], [t3, 2]]);
    });
  });
});

describe("rollout reader on Codex fixtures", () => {
  it("parses every line of every record-kind example", async () => {
    const dir = codexExamplesDir()!;
    const kinds = new Set<string>();
    for (const set of readdirSync(dir)) {
      for (const name of readdirSync(join(dir, set)).filter((n) => n.endsWith(".jsonl"))) {
        const read = await readRollout(join(dir, set, name));
        expect({ file: `${set}/${name}`, parseErrors: read.parseErrors }).toEqual({ file: `${set}/${name}`, parseErrors: 0 });
        const expectedType = name.split(".")[0]!;
        for (const l of read.lines) {
          expect(l.type).toBe(expectedType);
          kinds.add(l.type);
        }
      }
    }
    expect([...kinds].sort()).toEqual(["compacted", "event_msg", "response_item", "session_meta", "token_usage_record", "turn_context", "world_state"]);
  });

  it("keeps example lines of unknown kinds equal to their JSON", async () => {
    const path = join(codexExamplesDir()!, "paginated", "world_state.jsonl");
    const raws = readFileSync(path, "utf8").trim().split("\n");
    const read = await readRollout(path);
    expect(read.lines).toEqual(raws.map((r) => JSON.parse(r)));
  });

  it("reads 0.100.0 legacy rollouts (no ordinals, no history_mode)", async () => {
    const home = extractCodexHome("codexhome3-oldcli");
    try {
      const ids = codexFixtureIds(3);
      const found = await findRolloutPath(home.path, ids["T3_A"]!);
      const read = await readRollout(found!.path);
      expect(read.parseErrors).toBe(0);
      expect(read.lines).toHaveLength(25);
      expect(read.meta).toMatchObject({ id: ids["T3_A"], cli_version: "0.100.0" });
      expect(read.meta?.history_mode).toBeUndefined();
      expect(read.lines.every((l) => l.ordinal === undefined)).toBe(true);
    } finally {
      home.cleanup();
    }
  });

  it("reads the 0.169.0 legacy thread T_L (no ordinals)", async () => {
    const home = extractCodexHome("codexhome2-premigrate");
    try {
      const found = await findRolloutPath(home.path, codexFixtureIds(2)["T_L"]!);
      const read = await readRollout(found!.path);
      expect(read.meta?.history_mode).toBe("legacy");
      expect(read.lines).toHaveLength(39);
      expect(read.lines.some((l) => l.type === "compacted")).toBe(true);
      expect(read.lines.every((l) => l.ordinal === undefined)).toBe(true);
    } finally {
      home.cleanup();
    }
  });

  it("resolves the exec fork T_C into T_A's first 24 lines plus its own", async () => {
    const home = extractCodexHome("codexhome2");
    try {
      const ids = codexFixtureIds(2);
      const path = (await findRolloutPath(home.path, ids["T_C"]!))!.path;
      const history = await loadThreadHistory({ home: home.path, path });
      expect(history.ownLines).toHaveLength(12);
      expect(history.lines).toHaveLength(36);
      expect(history.lines.map((l) => l.ordinal)).toEqual(Array.from({ length: 36 }, (_, i) => i));
      // The parent's prefix is what Codex recorded in the fork's history_base, and ends on a line boundary of T_A's file.
      const base = (history.meta as { history_base?: { end_byte_offset?: number } } | undefined)?.history_base;
      const parentBytes = readFileSync((await findRolloutPath(home.path, ids["T_A"]!))!.path);
      const prefixEnd = parentBytes.subarray(0, base?.end_byte_offset ?? -1);
      expect(history.segments[0]).toMatchObject({ threadId: ids["T_A"], endByteOffset: base?.end_byte_offset, lineCount: 24 });
      expect(prefixEnd.toString("utf8").split("\n").length - 1).toBe(24);
      expect(history.meta?.id).toBe(ids["T_C"]);
    } finally {
      home.cleanup();
    }
  });

  it("resolves the TUI fork T_F into all 34 lines of T_A plus its own", async () => {
    const home = extractCodexHome("codexhome2");
    try {
      const ids = codexFixtureIds(2);
      const path = (await findRolloutPath(home.path, ids["T_F"]!))!.path;
      const history = await loadThreadHistory({ home: home.path, path });
      expect(history.lines).toHaveLength(34 + 14);
      expect(history.lines.map((l) => l.ordinal)).toEqual(Array.from({ length: 48 }, (_, i) => i));
    } finally {
      home.cleanup();
    }
  });

  it("never changes the files it reads", async () => {
    const home = extractCodexHome("codexhome2");
    try {
      const files = await scanRolloutFiles(home.path);
      const digest = () => files.map((f) => createHash("sha256").update(readFileSync(f.path)).digest("hex"));
      const before = digest();
      for (const f of files) await loadThreadHistory({ home: home.path, path: f.path });
      expect(digest()).toEqual(before);
    } finally {
      home.cleanup();
    }
  });
});
