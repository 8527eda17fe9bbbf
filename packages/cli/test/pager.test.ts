import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { pagerCommand } from "../src/pager.js";
import { useDemoHome } from "./helpers/demo-home.js";
import { runCli, runCliJson } from "./helpers/run-cli.js";
import { NO_PTY, runOnTerminal, shellQuote } from "./helpers/terminal.js";

const NO_LESS = spawnSync("less", ["--version"]).status === 0 ? undefined : "`less` is not installed";
if (NO_PTY) console.warn(`[skip] skein show paging on a terminal: ${NO_PTY}`);
if (NO_LESS) console.warn(`[skip] skein show through the default pager: ${NO_LESS}`);

describe("pagerCommand", () => {
  it("is less -R by default, $PAGER when set, $SKEIN_PAGER before both", () => {
    expect(pagerCommand({})).toBe("less -R");
    expect(pagerCommand({ PAGER: "more" })).toBe("more");
    expect(pagerCommand({ PAGER: "more", SKEIN_PAGER: "most -s" })).toBe("most -s");
  });

  it("is none for an empty value or cat", () => {
    expect(pagerCommand({ PAGER: "" })).toBeUndefined();
    expect(pagerCommand({ PAGER: "cat" })).toBeUndefined();
    expect(pagerCommand({ PAGER: "less", SKEIN_PAGER: " " })).toBeUndefined();
  });
});

describe("skein show and the pager", () => {
  const demo = useDemoHome("skein-cli-pager-");
  let home: string;
  let threadId: string;
  /** What `skein show --items` prints when piped: the text a pager must receive. */
  let piped: string;

  beforeAll(async () => {
    home = demo.home;
    const listed = await runCliJson<{ items: { id: string }[] }>(["list", "--home", home, "--json"]);
    threadId = listed.items[0]!.id;
    const result = await runCli(["show", threadId, "--items", "--home", home], { env: { COLUMNS: "100" } });
    expect(result.code).toBe(0);
    piped = result.stdout;
    expect(piped.split("\n").length).toBeGreaterThan(20);
  });

  /** A pager that saves what it is given, so the test can compare it with the piped output. */
  function recordingPager(): { command: string; file: string } {
    const file = join(demo.dir, `paged-${Math.random().toString(36).slice(2)}.txt`);
    return { command: `cat > ${shellQuote(file)}; echo PAGER-RAN`, file };
  }

  it("never pages when stdout is piped, even with $PAGER set", async () => {
    const pager = recordingPager();
    const result = await runCli(["show", threadId, "--items", "--home", home], { env: { COLUMNS: "100", PAGER: pager.command } });
    expect(result.stdout).toBe(piped);
    expect(existsSync(pager.file)).toBe(false);
  });

  it.skipIf(NO_PTY)("on a terminal, output taller than the screen goes through $PAGER, unchanged", () => {
    const pager = recordingPager();
    const { screen, code } = runOnTerminal(["show", threadId, "--items", "--home", home], { rows: 10, env: { PAGER: pager.command } });
    expect(code).toBe(0);
    expect(screen).toContain("PAGER-RAN");
    expect(readFileSync(pager.file, "utf8")).toBe(piped);
    expect(screen).not.toContain("history (");
  });

  it.skipIf(NO_PTY)("$SKEIN_PAGER wins over $PAGER", () => {
    const pager = recordingPager();
    const { screen } = runOnTerminal(["show", threadId, "--items", "--home", home], { rows: 10, env: { PAGER: "false", SKEIN_PAGER: pager.command } });
    expect(screen).toContain("PAGER-RAN");
    expect(readFileSync(pager.file, "utf8")).toBe(piped);
  });

  it.skipIf(NO_PTY)("output that fits on the screen, --no-pager and PAGER=cat print straight to the terminal", () => {
    for (const [args, rows, pagerValue] of [
      [["show", threadId, "--home", home], 40, undefined],
      [["show", threadId, "--items", "--home", home, "--no-pager"], 10, undefined],
      [["show", threadId, "--items", "--home", home], 10, "cat"],
    ] as const) {
      const pager = recordingPager();
      const { screen, code } = runOnTerminal(args, { rows, env: { PAGER: pagerValue ?? pager.command } });
      expect(code).toBe(0);
      expect(screen).not.toContain("PAGER-RAN");
      expect(existsSync(pager.file)).toBe(false);
      expect(screen).toContain(threadId);
    }
  });

  it.skipIf(NO_PTY)("a pager that cannot be started leaves the output on the terminal", () => {
    const { screen, code } = runOnTerminal(["show", threadId, "--items", "--home", home], { rows: 10, env: { PAGER: "no-such-pager-anywhere" } });
    expect(code).toBe(0);
    expect(screen).toContain("history (");
    expect(screen).toContain(threadId);
  });

  it.skipIf(NO_PTY || NO_LESS)("by default it is less -R: one screen, then the prompt, until the user quits", () => {
    const { screen, code } = runOnTerminal(["show", threadId, "--items", "--home", home], {
      rows: 8,
      env: { PAGER: undefined, SKEIN_PAGER: undefined, LESS: undefined },
      input: "q",
    });
    expect(code).toBe(0);
    expect(screen).toContain(threadId);
    expect(screen).not.toContain("history ("); // below the first screen: never shown
    expect(screen).toMatch(/\n:/); // less's prompt
  });
});
