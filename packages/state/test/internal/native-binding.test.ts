import { createRequire } from "node:module";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { searchAddon, sqliteNativeBinding, withNativeBinding } from "../../src/internal/native-binding.js";

const packageRoot = dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json"));

describe("better-sqlite3's addon, found explicitly", () => {
  it("is the built addon's path in a normal build, and opens a database", () => {
    const binding = sqliteNativeBinding();
    expect(binding).toBe(`${packageRoot}/build/Release/better_sqlite3.node`);
    const db = new Database(":memory:", withNativeBinding({}));
    expect(db.prepare("SELECT 6 * 7 AS n").get()).toEqual({ n: 42 });
    db.close();
  });

  // The fallback for other build layouts, and for the CLI bundle, where a stack trace no longer
  // leads the `bindings` package to better-sqlite3's folder.
  it("is found by the bindings search when told the package folder", () => {
    const addon = searchAddon(packageRoot);
    expect(addon).toBeTypeOf("object");
    const db = new Database(":memory:", { nativeBinding: addon as unknown as string });
    expect(db.prepare("SELECT sqlite_version() AS v").get()).toMatchObject({ v: expect.stringMatching(/^3\./) });
    db.close();
  });

  it("is undefined when the folder holds no addon", () => {
    expect(searchAddon("/nonexistent/better-sqlite3")).toBeUndefined();
  });
});
