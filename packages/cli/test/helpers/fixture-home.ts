import { afterEach } from "vitest";
import { extractCodexHome, makeTempDir, type CodexHomeName } from "@skein/testkit";

/**
 * Registers cleanup and returns a function that extracts a fresh copy of a Codex fixture home
 * (or makes an empty temp home) for one test. Fixtures are never opened in place.
 */
export function useHomes(): { codex(name: CodexHomeName): string; empty(): string } {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  return {
    codex(name) {
      const home = extractCodexHome(name);
      cleanups.push(home.cleanup);
      return home.path;
    },
    empty() {
      const dir = makeTempDir("skein-cli-home-");
      cleanups.push(dir.cleanup);
      return dir.path;
    },
  };
}
