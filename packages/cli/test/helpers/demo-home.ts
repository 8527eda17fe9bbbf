import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { makeTempDir } from "@skein/testkit";
import { runCli } from "./run-cli.js";

/** A suite's scratch directory and, inside it, a home written by `skein demo` (two threads, one named). */
export interface DemoHome {
  /** The scratch directory (the home is `<dir>/home`). */
  dir: string;
  home: string;
}

/**
 * Makes the home once for the suite (`beforeAll`) with the real `skein demo`, and removes it
 * afterwards. The demo's threads record the home as their cwd. Read the fields inside tests.
 */
export function useDemoHome(prefix: string): DemoHome {
  const state: DemoHome = { dir: "", home: "" };
  let cleanup: () => void = () => undefined;
  beforeAll(async () => {
    const dir = makeTempDir(prefix);
    cleanup = dir.cleanup;
    state.dir = dir.path;
    state.home = join(dir.path, "home");
    const demo = await runCli(["demo", "--home", state.home]);
    expect(demo.code, demo.stderr).toBe(0);
  });
  afterAll(() => cleanup());
  return state;
}
