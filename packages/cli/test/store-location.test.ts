import { describe, expect, it } from "vitest";
import { parseStoreLocation } from "../src/store-location.js";
import { useHomes } from "./helpers/fixture-home.js";
import { runCli } from "./helpers/run-cli.js";

describe("parseStoreLocation", () => {
  it("is the local home when neither --store nor $SKEIN_STORE is set", () => {
    expect(parseStoreLocation({ home: "h" }, {}, "/w")).toEqual({ kind: "local", home: "/w/h" });
  });

  it("takes $SKEIN_STORE when --store is absent", () => {
    expect(parseStoreLocation({}, { SKEIN_STORE: "/data/home" }, "/w")).toEqual({ kind: "local", home: "/data/home" });
  });

  it("reads a file:// URL as a local home", () => {
    expect(parseStoreLocation({ store: "file:///data/home" }, {}, "/w")).toEqual({ kind: "local", home: "/data/home" });
  });

  it("reads a postgres URL, takes the schema parameter out and masks the password in the label", () => {
    expect(parseStoreLocation({ store: "postgresql://me:pw@db:5433/skein?schema=team_a&sslmode=disable" }, {})).toEqual({
      kind: "postgres",
      url: "postgresql://me:pw@db:5433/skein?sslmode=disable",
      schema: "team_a",
      label: "postgresql://me:***@db:5433/skein?schema=team_a&sslmode=disable",
    });
  });

  it("rejects another scheme with a usage error", () => {
    expect(() => parseStoreLocation({ store: "mysql://me:pw@db/x" }, {})).toThrow(
      'unsupported store "mysql://me:***@db/x": use a postgres:// or postgresql:// URL, or a directory (see `skein --help`)',
    );
  });

  it("rejects --home next to a postgres store", () => {
    expect(() => parseStoreLocation({ store: "postgres://db/x", home: "/h" }, {})).toThrow(/--home and a postgres store exclude each other/);
  });
});

describe("global options (child process)", () => {
  const homes = useHomes();

  it("--home before the command lists the same as --home after it", async () => {
    const home = homes.codex("codexhome2");
    const before = await runCli(["--home", home, "list", "--json", "--all"]);
    const after = await runCli(["list", "--json", "--all", "--home", home]);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout).items.length).toBeGreaterThan(0);
    expect(before.stdout).toBe(after.stdout);
  });

  it("--store DIR works like --home DIR, before or after the command", async () => {
    const home = homes.codex("codexhome2");
    const viaHome = await runCli(["list", "--json", "--home", home]);
    const viaStore = await runCli(["--store", home, "list", "--json"]);
    expect(viaStore.stdout).toBe(viaHome.stdout);
  });

  it("$SKEIN_STORE picks the store when --store is absent", async () => {
    const home = homes.codex("codexhome2");
    const viaEnv = await runCli(["list", "--json"], { env: { SKEIN_STORE: home } });
    const viaHome = await runCli(["list", "--json", "--home", home]);
    expect(viaEnv.stdout).toBe(viaHome.stdout);
  });

  it("an unsupported --store scheme is a usage error (exit 2)", async () => {
    const result = await runCli(["--store", "mysql://db/x", "list"]);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: 'error: unsupported store "mysql://db/x": use a postgres:// or postgresql:// URL, or a directory (see `skein --help`)\n',
    });
  });

  it("an unreachable postgres store fails with exit 1, naming it with the password masked", async () => {
    const result = await runCli(["list", "--store", "postgres://me:secret@127.0.0.1:1/skein"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: cannot open store postgres://me:***@127.0.0.1:1/skein: connect ECONNREFUSED 127.0.0.1:1; " +
        "check the URL, that the server is running and reachable, and the credentials\n",
    );
  });

  for (const command of ["reindex", "doctor"]) {
    it(`${command} on a postgres store says it is local-only (exit 2) without connecting`, async () => {
      const result = await runCli(["--store", "postgres://127.0.0.1:1/skein", command]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^error: \`skein ${command}\` works on a local home only: .*; drop --store \\(and unset SKEIN_STORE\\) to run it on a local home`));
    });
  }
});
