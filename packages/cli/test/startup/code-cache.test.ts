import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CODEX_HOMES, makeTempDir } from "@skein/testkit";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli } from "../helpers/run-cli.js";

// dist/bin.js runs the bundled scripts through V8's code cache (docs/cli-startup.md).
describe("the CLI's code cache", () => {
  const homes = useHomes();
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const cacheDir = (): string => {
    const dir = makeTempDir("skein-code-cache-");
    cleanups.push(dir.cleanup);
    return join(dir.path, "nested", "code-cache");
  };
  const cacheFiles = (dir: string): string[] => readdirSync(dir).sort();

  it("is written on the first run, used on the next, and gives the same output as no cache", async () => {
    const home = homes.codex(CODEX_HOMES[0]);
    const dir = cacheDir();
    const env = { SKEIN_CODE_CACHE_DIR: dir };
    const uncached = await runCli(["list", "--json", "--home", home], { env: { SKEIN_CODE_CACHE: "0" } });
    expect(uncached.code).toBe(0);
    const first = await runCli(["list", "--json", "--home", home], { env });
    expect(first).toEqual(uncached);
    const written = cacheFiles(dir);
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((name) => /^skein-.+\.cjs-\d+-\d+-.+\.bin$/.test(name))).toBe(true);
    const stamps = written.map((name) => readFileSync(join(dir, name)).length);
    const second = await runCli(["list", "--json", "--home", home], { env });
    expect(second).toEqual(uncached);
    expect(cacheFiles(dir)).toEqual(written);
    expect(cacheFiles(dir).map((name) => readFileSync(join(dir, name)).length)).toEqual(stamps);
  });

  it("ignores a damaged cache file and replaces it", async () => {
    const home = homes.empty();
    const dir = cacheDir();
    const env = { SKEIN_CODE_CACHE_DIR: dir };
    const expected = await runCli(["list", "--home", home], { env });
    expect(expected.code).toBe(0);
    const [victim] = cacheFiles(dir);
    writeFileSync(join(dir, victim!), "not a V8 code cache");
    const again = await runCli(["list", "--home", home], { env });
    expect(again).toEqual(expected);
    expect(readFileSync(join(dir, victim!), "utf8")).not.toBe("not a V8 code cache");
    expect(cacheFiles(dir).some((name) => name.endsWith(".tmp"))).toBe(false);
  });

  it("is not written with SKEIN_CODE_CACHE=0, and an unwritable folder costs nothing but the cache", async () => {
    const home = homes.empty();
    const dir = cacheDir();
    const off = await runCli(["list", "--home", home], { env: { SKEIN_CODE_CACHE_DIR: dir, SKEIN_CODE_CACHE: "0" } });
    expect(off.code).toBe(0);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
    const blocked = join(dir, "..", "..", "a-file");
    writeFileSync(blocked, "");
    const unwritable = await runCli(["list", "--home", home], { env: { SKEIN_CODE_CACHE_DIR: join(blocked, "cache") } });
    expect(unwritable).toEqual(off);
  });

  it("never creates a missing home folder to hold the cache", async () => {
    const home = homes.empty();
    const root = cacheDir();
    const missingHome = join(root, "no-such-user");
    const result = await runCli(["list", "--home", home], { env: { HOME: missingHome, XDG_CACHE_HOME: undefined, SKEIN_CODE_CACHE_DIR: undefined } });
    expect(result.code).toBe(0);
    expect(() => readdirSync(missingHome)).toThrow(/ENOENT/);
  });
});
