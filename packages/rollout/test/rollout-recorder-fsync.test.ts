import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { RolloutRecorder, RolloutWriteError, readRollout, type RecordableItem } from "../src/index.js";
import { THREAD_1 } from "./fixtures/builders.js";

// The recorder's fsync goes through this mock so a test can count, hold back or fail it; the
// real fsync runs underneath unless a test says otherwise.
type FsyncCallback = (err: NodeJS.ErrnoException | null) => void;
const fsyncControl = vi.hoisted(() => ({
  calls: 0,
  hold: false,
  held: [] as Array<() => void>,
  failNext: undefined as NodeJS.ErrnoException | undefined,
}));
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const fsync = (fd: number, callback: FsyncCallback): void => {
    fsyncControl.calls++;
    const failure = fsyncControl.failNext;
    fsyncControl.failNext = undefined;
    const run = () => (failure ? callback(failure) : actual.fsync(fd, callback));
    if (fsyncControl.hold) fsyncControl.held.push(run);
    else run();
  };
  return { ...actual, default: { ...actual, fsync }, fsync };
});

const msg = (text: string): RecordableItem => ({ type: "event_msg", payload: { type: "user_message", message: text } });

describe("RolloutRecorder in fsync mode", () => {
  let tmp: TempDir;
  let recorder: RolloutRecorder;
  beforeEach(() => {
    tmp = makeTempDir();
    Object.assign(fsyncControl, { calls: 0, hold: false, held: [], failNext: undefined });
    recorder = RolloutRecorder.create({ home: tmp.path, threadId: THREAD_1, createdAtMs: Date.UTC(2026, 0, 2), sessionMeta: { cwd: "/w" }, fsync: true });
  });
  afterEach(async () => {
    fsyncControl.hold = false;
    for (const run of fsyncControl.held.splice(0)) run();
    await recorder.shutdown().catch(() => undefined);
    tmp.cleanup();
  });

  it("fsyncs once per write and not for a flush that finds nothing new", async () => {
    await recorder.append([msg("a")]);
    expect(fsyncControl.calls).toBe(1);
    await recorder.flush();
    await recorder.flush();
    expect(fsyncControl.calls).toBe(1);
    await recorder.append([msg("b")]);
    expect(fsyncControl.calls).toBe(2);
  });

  it("resolves a flush that finds nothing new only after the fsync in flight", async () => {
    await recorder.persist();
    fsyncControl.hold = true;
    let appended = false;
    let flushed = false;
    const append = recorder.append([msg("a")]).then(() => void (appended = true));
    const flush = recorder.flush().then(() => void (flushed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([appended, flushed]).toEqual([false, false]);
    expect(fsyncControl.held).toHaveLength(1);
    fsyncControl.held.shift()!();
    await Promise.all([append, flush]);
    expect(fsyncControl.calls).toBe(2);
  });

  it("reports a failed fsync and fsyncs again on the next flush", async () => {
    await recorder.persist();
    fsyncControl.failNext = Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
    const failure = await recorder.append([msg("a")]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RolloutWriteError);
    const calls = fsyncControl.calls;
    await recorder.flush();
    expect(fsyncControl.calls).toBe(calls + 1);
    expect((await readRollout(recorder.path)).lines.filter((l) => l.type === "event_msg")).toHaveLength(1);
  });

  it("closes the file only after the fsync in flight settles", async () => {
    await recorder.persist();
    fsyncControl.hold = true;
    const append = recorder.append([msg("a")]);
    recorder.discard();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fsyncControl.held).toHaveLength(1);
    // The real fsync runs now: it would fail with EBADF had discard closed the fd already.
    fsyncControl.held.shift()!();
    await expect(append).resolves.toBeUndefined();
  });
});
