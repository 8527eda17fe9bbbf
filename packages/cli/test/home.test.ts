import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveHome } from "../src/home.js";

describe("resolveHome", () => {
  it("uses --home first", () => {
    expect(resolveHome("/a", { SKEIN_HOME: "/b", CODEX_HOME: "/c" })).toBe("/a");
  });

  it("uses $SKEIN_HOME before $CODEX_HOME", () => {
    expect(resolveHome(undefined, { SKEIN_HOME: "/b", CODEX_HOME: "/c" })).toBe("/b");
  });

  it("uses $CODEX_HOME when $SKEIN_HOME is unset or empty", () => {
    expect(resolveHome(undefined, { SKEIN_HOME: "", CODEX_HOME: "/c" })).toBe("/c");
  });

  it("defaults to ~/.codex", () => {
    expect(resolveHome(undefined, {})).toBe(join(homedir(), ".codex"));
  });

  it("resolves a relative path against the working directory", () => {
    expect(resolveHome("homes/one", {}, "/work")).toBe("/work/homes/one");
  });

  it("expands a leading ~/", () => {
    expect(resolveHome("~/codex-copy", {})).toBe(join(homedir(), "codex-copy"));
  });
});
