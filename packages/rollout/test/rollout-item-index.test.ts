import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import {
  CHECKPOINT_ITEMS,
  TURN_FIELDS,
  TURN_STATUS,
  checkpointBefore,
  decodeRolloutItemIndex,
  encodeRolloutItemIndex,
  readRollout,
  readTurnIdAt,
  updateRolloutItemIndex,
} from "../src/index.js";
import { THREAD_2, line, metaLine, userMessageLine, writeLines } from "./fixtures/builders.js";

const started = (id: string) => line("event_msg", { type: "task_started", turn_id: id });
const completed = (id: string) => line("event_msg", { type: "task_complete", turn_id: id });

describe("updateRolloutItemIndex", () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = join(tmp.path, "r.jsonl");
  });
  afterEach(() => tmp.cleanup());

  it("counts the reader's items: bad and blank lines are not items", async () => {
    writeLines(file, [metaLine(), "{bad", "", userMessageLine("a"), JSON.stringify({ type: "x" }), userMessageLine("b")]);
    const index = await updateRolloutItemIndex(file);
    expect(index.count).toBe((await readRollout(file)).lines.length);
  });

  it("puts a checkpoint every CHECKPOINT_ITEMS items at the item's byte offset", async () => {
    const lines = [metaLine(), ...Array.from({ length: 2 * CHECKPOINT_ITEMS + 3 }, (_, i) => userMessageLine(`m${i}`))];
    writeLines(file, lines);
    const index = await updateRolloutItemIndex(file);
    const offsetOf = (i: number) => lines.slice(0, i).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    expect(checkpointBefore(index, CHECKPOINT_ITEMS + 5)).toEqual({ position: CHECKPOINT_ITEMS, offset: offsetOf(CHECKPOINT_ITEMS) });
  });

  it("leaves a torn last line out of the index", async () => {
    writeLines(file, [metaLine()], userMessageLine("partial"));
    const index = await updateRolloutItemIndex(file);
    expect(index.count).toBe(1);
  });

  it("extends an index after an append to the same result as a fresh build", async () => {
    writeLines(file, [metaLine(), started("a"), userMessageLine("x")]);
    const first = await updateRolloutItemIndex(file);
    appendFileSync(file, `${completed("a")}\n${started("b")}\n`);
    const extended = await updateRolloutItemIndex(file, first);
    const fresh = await updateRolloutItemIndex(file);
    expect(extended.buildId).toBe(first.buildId);
    expect({ ...extended, buildId: "" }).toEqual({ ...fresh, buildId: "" });
  });

  it("rebuilds from byte 0 when the covered bytes were rewritten", async () => {
    writeLines(file, [metaLine(), userMessageLine("a"), userMessageLine("b")]);
    const first = await updateRolloutItemIndex(file);
    writeFileSync(file, `${metaLine()}\n${userMessageLine("c")}\n${userMessageLine("d")}\n${userMessageLine("e")}\n`);
    const next = await updateRolloutItemIndex(file, first);
    expect(next.buildId).not.toBe(first.buildId);
    expect(next.count).toBe(4);
  });

  it("segments turns: completed, interrupted by a new start, and still open", async () => {
    writeLines(file, [metaLine(), started("a"), completed("a"), started("b"), userMessageLine("x"), started("c")]);
    const index = await updateRolloutItemIndex(file);
    const turn = (i: number) => Array.from(index.turns.subarray(i * TURN_FIELDS, i * TURN_FIELDS + 4));
    expect(index.turnCount).toBe(3);
    expect(turn(0)).toEqual([1, expect.any(Number), 3, TURN_STATUS.completed]);
    expect(turn(1)).toEqual([3, expect.any(Number), 5, TURN_STATUS.interrupted]);
    expect(turn(2)).toEqual([5, expect.any(Number), Number.MAX_SAFE_INTEGER, TURN_STATUS.in_progress]);
    expect(await readTurnIdAt(file, index.turns[TURN_FIELDS + 1]!)).toBe("b");
  });

  it("records a paginated fork's history base", async () => {
    writeLines(file, [metaLine({ history_mode: "paginated", history_base: { thread_id: THREAD_2, end_byte_offset: 42 } })]);
    expect((await updateRolloutItemIndex(file)).base).toEqual({ threadId: THREAD_2, endByteOffset: 42 });
  });

  it("round-trips through its sidecar encoding, and refuses a damaged one", async () => {
    writeLines(file, [metaLine(), started("a"), completed("a")]);
    const index = await updateRolloutItemIndex(file);
    const bytes = encodeRolloutItemIndex(index);
    const decoded = decodeRolloutItemIndex(bytes)!;
    expect(Array.from(decoded.turns)).toEqual(Array.from(index.turns.subarray(0, index.turnCount * TURN_FIELDS)));
    expect(decoded.count).toBe(index.count);
    expect(decodeRolloutItemIndex(bytes.subarray(0, bytes.length - 1))).toBeUndefined();
  });
});
