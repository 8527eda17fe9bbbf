import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/run-cli.js";

const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
const MISSING = "/nonexistent/skein-home";

describe("skein (program)", () => {
  describe("help and version", () => {
    it("--help lists every command and exits 0", async () => {
      const result = await runCli(["--help"]);
      expect(result.code).toBe(0);
      for (const command of ["list", "show", "search", "rename", "archive", "unarchive", "delete", "fork", "reindex", "doctor", "demo"]) {
        expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
      }
    });

    it("each command's --help shows examples", async () => {
      const result = await runCli(["list", "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Examples:\n  $ skein list\n");
      expect(result.stdout).toContain("--home <dir>");
    });

    it("--version prints the package version", async () => {
      const result = await runCli(["--version"]);
      expect(result).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    });
  });

  describe("usage errors exit 2", () => {
    it("rejects an unknown command", async () => {
      const result = await runCli(["frobnicate"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("unknown command 'frobnicate'");
    });

    it("rejects an unknown option", async () => {
      const result = await runCli(["list", "--bogus"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("unknown option '--bogus'");
    });

    it("rejects a missing argument", async () => {
      const result = await runCli(["show"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("missing required argument 'id|name'");
    });

    it("rejects a --limit outside 1..1000 with the allowed range", async () => {
      const result = await runCli(["list", "--limit", "0", "--home", MISSING]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("expected a whole number from 1 to 1000");
    });

    it("rejects a --sort that is not created, updated or recency", async () => {
      const result = await runCli(["list", "--sort", "name"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("Allowed choices are created, updated, recency");
    });

    it("refuses delete without --yes, says how, and touches nothing", async () => {
      const result = await runCli(["delete", "my thread", "--home", MISSING]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `error: refusing to delete "my thread" without --yes: it moves the thread to the trash (\`skein trash restore\` brings it back); run \`skein delete 'my thread' --yes\` to delete it\n`,
      );
    });
  });

  describe("home resolution", () => {
    it("names a missing --home and says what to do (exit 1)", async () => {
      const result = await runCli(["list", "--home", MISSING]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `error: home ${MISSING} does not exist; pass --home DIR or set SKEIN_HOME (or CODEX_HOME) to a Codex or Skein home\n`,
      );
    });

    it("prefers $SKEIN_HOME over $CODEX_HOME", async () => {
      const result = await runCli(["list"], { env: { SKEIN_HOME: `${MISSING}-skein`, CODEX_HOME: `${MISSING}-codex` } });
      expect(result.stderr).toContain(`home ${MISSING}-skein does not exist`);
    });

    it("falls back to $CODEX_HOME", async () => {
      const result = await runCli(["list"], { env: { CODEX_HOME: `${MISSING}-codex` } });
      expect(result.stderr).toContain(`home ${MISSING}-codex does not exist`);
    });

    it("falls back to ~/.codex", async () => {
      const result = await runCli(["list"], { env: { HOME: MISSING } });
      expect(result.stderr).toContain(`home ${MISSING}/.codex does not exist`);
    });

    it("lets --home win over the environment", async () => {
      const result = await runCli(["list", "--home", `${MISSING}-flag`], { env: { SKEIN_HOME: `${MISSING}-skein` } });
      expect(result.stderr).toContain(`home ${MISSING}-flag does not exist`);
    });
  });

  describe("--debug", () => {
    it("prints no stack trace without --debug", async () => {
      const result = await runCli(["show", "x", "--home", MISSING]);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    });

    it("adds the stack trace with --debug", async () => {
      const result = await runCli(["show", "x", "--home", MISSING, "--debug"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("HomeNotFoundError: home /nonexistent/skein-home does not exist");
      expect(result.stderr).toMatch(/^\s+at /m);
    });
  });
});
