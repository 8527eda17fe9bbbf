import { describe, expect, it } from "vitest";
import { packedPackageProblems, promisedFiles, workspaceDependencyClosure, type Manifest, type WorkspacePackage } from "../src/index.js";

const pkg = (manifest: Manifest): WorkspacePackage => ({ name: manifest.name, version: manifest.version, private: manifest.private === true, dir: "/x", manifest });
const workspace = [
  pkg({ name: "@skein/protocol", version: "1.2.0" }),
  pkg({ name: "@skein/rollout", version: "1.3.0", dependencies: { "@skein/protocol": "workspace:^" } }),
  pkg({ name: "@skein/testkit", version: "0.0.0", private: true }),
];

describe("packedPackageProblems", () => {
  const good: Manifest = {
    name: "@skein/rollout",
    version: "1.3.0",
    exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
    bin: { roll: "./dist/bin.js" },
    files: ["dist", "README.md"],
    dependencies: { "@skein/protocol": "^1.2.0", zod: "^4.6.7" },
  };
  const files = ["dist/index.d.ts", "dist/index.js", "dist/bin.js", "README.md", "package.json"];

  it("finds nothing wrong with a package that keeps its promises", () => {
    expect(packedPackageProblems({ name: good.name, version: good.version, tarball: "t", files, manifest: good }, workspace)).toEqual([]);
  });

  it("names every broken promise and every range a consumer would trip on", () => {
    const bad: Manifest = {
      ...good,
      exports: { ".": { "@skein/source": "./src/index.ts", types: "./dist/index.d.ts", default: "./dist/index.js" } },
      files: ["dist", "README.md", "migrations"],
      dependencies: { "@skein/protocol": "1.2.0", "@skein/testkit": "^0.0.0", zod: "4.6.7", pg: "workspace:*" },
    };
    expect(packedPackageProblems({ name: bad.name, version: bad.version, tarball: "t", files, manifest: bad }, workspace)).toEqual([
      "promises src/index.ts, which is not in the tarball",
      '"files" lists migrations, which packed nothing',
      "dependencies.@skein/protocol is 1.2.0, not ^1.2.0",
      "dependencies.@skein/testkit is a private workspace package, never published",
      "dependencies.zod is pinned to 4.6.7: use a range (^4.6.7)",
      "dependencies.pg is still workspace:*",
    ]);
  });

  it("collects promised files from every export condition, main, types and bin", () => {
    expect(promisedFiles({ ...good, main: "./dist/index.js", types: "dist/index.d.ts" }).sort()).toEqual(["dist/bin.js", "dist/index.d.ts", "dist/index.js"]);
  });
});

describe("workspaceDependencyClosure", () => {
  it("lists a package's workspace dependencies, deepest first", () => {
    const cli = pkg({ name: "@skein/cli", version: "1.0.0", dependencies: { "@skein/rollout": "workspace:^", commander: "^14.0.0" } });
    expect(workspaceDependencyClosure(cli, [...workspace, cli]).map((dep) => dep.name)).toEqual(["@skein/protocol", "@skein/rollout"]);
  });
});
