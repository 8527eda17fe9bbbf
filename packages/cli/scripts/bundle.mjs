// Bundles `src/bin.ts` and everything it imports (our packages, zod, commander, ...) into a few
// minified ESM files: `dist/bin.js` plus one chunk per lazily imported command. Node then
// resolves, reads and compiles a handful of files instead of ~150, which is most of what a short
// command like `skein list` used to spend before it did any work. Runs after `tsc -b`, which still
// emits the library entry (`dist/index.js`) and the type declarations.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));
const DIST = join(PACKAGE_DIR, "dist");
const CHUNK_PREFIX = "bin-chunk-";

// Native addons and CommonJS-only drivers stay real packages, loaded from node_modules.
const EXTERNAL = ["better-sqlite3", "fs-ext", "pg", "pg-native"];

/** The nearest package.json above `file` (its directory and parsed manifest). */
function owningPackage(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return { dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) };
    } catch (error) {
      if (error.code !== "ENOENT") throw error;
    }
  }
  throw new Error(`no package.json above ${file}`);
}

/**
 * A module of another workspace package that locates its own files with `import.meta.url`
 * (the state and PostgreSQL stores find their `migrations/` that way) would look next to the
 * bundle instead. Rewrite it to the module's URL inside that package as installed, found from
 * the package's main entry with `import.meta.resolve` at run time, so it stays right wherever
 * the packages are installed. Paths inside the package are the same from `src/` and `dist/`.
 */
const importMetaUrlPlugin = {
  name: "skein-import-meta-url",
  transform(code, id) {
    if (!code.includes("import.meta.url") || !isAbsolute(id) || id.includes(`${sep}node_modules${sep}`)) return null;
    const { dir, manifest } = owningPackage(id);
    if (dir === PACKAGE_DIR.replace(/[\\/]$/, "")) return null; // the CLI's own modules: see below
    const entry = manifest.exports?.["."]?.default;
    if (typeof entry !== "string") throw new Error(`${manifest.name} has no default export to locate ${id} from`);
    const rel = relative(dirname(join(dir, entry)), id).split(sep).join("/");
    const url = `new URL(${JSON.stringify(rel)}, import.meta.resolve(${JSON.stringify(manifest.name)})).href`;
    return { code: code.replaceAll("import.meta.url", url), map: null };
  },
};

// Build into a scratch folder next to dist/, then move the files in: new chunks first (their
// names are content hashes), then bin.js in one rename, then drop the old chunks. A `skein`
// started while this runs (another build in the same checkout) sees old or new files, not a mix.
const scratch = mkdtempSync(join(DIST, ".bundle-"));
try {
  await build({
    input: join(PACKAGE_DIR, "src", "bin.ts"),
    platform: "node",
    external: (id) => id.startsWith("node:") || EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`)),
    // Workspace packages from their sources (`@skein/source`), as the tests run them.
    resolve: { conditionNames: ["@skein/source", "import", "node", "default"] },
    plugins: [importMetaUrlPlugin],
    logLevel: "warn",
    output: {
      dir: scratch,
      format: "esm",
      // Chunks sit next to bin.js, so the CLI's own `new URL("../package.json", import.meta.url)`
      // means the same file from every chunk.
      entryFileNames: "bin.js",
      chunkFileNames: `${CHUNK_PREFIX}[hash].js`,
      minify: true,
      sourcemap: false,
    },
  });

  const built = readdirSync(scratch);
  const bin = join(scratch, "bin.js");
  const text = readFileSync(bin, "utf8");
  if (!text.startsWith("#!")) writeFileSync(bin, `#!/usr/bin/env node\n${text}`);
  for (const name of built) if (name !== "bin.js") renameSync(join(scratch, name), join(DIST, name));
  renameSync(bin, join(DIST, "bin.js"));
  for (const name of readdirSync(DIST)) {
    if (name.startsWith(CHUNK_PREFIX) && !built.includes(name)) rmSync(join(DIST, name));
  }
  // tsc's map describes its own bin.js, which the bundle replaced.
  rmSync(join(DIST, "bin.js.map"), { force: true });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

// The page of `skein serve`, built by @skein/viewer (a dev dependency, built first by turbo):
// copied into dist/viewer so the published package serves it with no network at run time.
const VIEWER_APP = join(PACKAGE_DIR, "node_modules", "@skein", "viewer", "dist", "app");
if (!existsSync(join(VIEWER_APP, "index.html"))) throw new Error(`the viewer page is not built: ${VIEWER_APP} (build @skein/viewer first)`);
const viewerScratch = mkdtempSync(join(DIST, ".viewer-"));
cpSync(VIEWER_APP, viewerScratch, { recursive: true });
rmSync(join(DIST, "viewer"), { recursive: true, force: true });
renameSync(viewerScratch, join(DIST, "viewer"));
