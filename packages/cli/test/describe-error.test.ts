import { spawn, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ConflictError, InternalError, ThreadNotFoundError } from "@skein/thread-store";
import { describeError } from "../src/describe-error.js";
import { UsageError } from "../src/errors.js";
import { useHomes } from "./helpers/fixture-home.js";
import { runCli } from "./helpers/run-cli.js";

const HOLD_WRITER = fileURLToPath(new URL("./fixtures/hold-writer.mjs", import.meta.url));

describe("describeError", () => {
  it("keeps a CLI error's message and exit code", () => {
    expect(describeError(new UsageError("bad"), "/h")).toEqual({ message: "bad (see `skein --help`)", exitCode: 2 });
  });

  it("tells what to do about a missing thread", () => {
    expect(describeError(new ThreadNotFoundError("abc"), "/h")).toEqual({
      message: "thread abc not found in /h; run `skein list` (add --archived for archived threads) to see what is there",
      exitCode: 1,
    });
  });

  it("names the holder of a conflicting writer", () => {
    expect(describeError(new ConflictError("thread abc has a live writer", { holder: "pid 7 on box" }), "/h").message).toBe(
      "thread-store conflict: thread abc has a live writer (held by pid 7 on box); another process is writing this thread: wait for it to finish or stop it, then retry",
    );
  });

  it("points internal failures at skein doctor", () => {
    expect(describeError(new InternalError("disk I/O error"), "/h").message).toBe(
      "thread-store internal error: disk I/O error; run `skein doctor` to check /h (add --debug for details)",
    );
  });

  it("suggests --debug for anything unexpected", () => {
    expect(describeError(new TypeError("x is not a function"), "/h")).toEqual({
      message: "x is not a function (rerun with --debug for details)",
      exitCode: 1,
    });
  });
});

describe("a thread another process is writing", () => {
  const homes = useHomes();
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.stdin?.end();
    child = undefined;
  });

  async function holdWriter(home: string): Promise<{ threadId: string; pid: number }> {
    child = spawn(process.execPath, [HOLD_WRITER, home], { stdio: ["pipe", "pipe", "inherit"] });
    const threadId = await new Promise<string>((resolve, reject) => {
      let out = "";
      child!.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        if (out.includes("\n")) resolve(out.trim());
      });
      child!.on("exit", (code) => reject(new Error(`writer exited ${code}`)));
    });
    return { threadId, pid: child.pid! };
  }

  it("cannot be archived: exit 1, naming the process that holds it", async () => {
    const home = homes.empty();
    const { threadId, pid } = await holdWriter(home);
    const result = await runCli(["archive", threadId, "--home", home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: thread-store conflict: .*another process is writing this thread: wait for it to finish or stop it, then retry\n$/);
    expect(result.stderr).toContain(`pid ${pid} on ${hostname()}`);
    expect(result.stderr.split(`pid ${pid}`)).toHaveLength(2);
  });
});
