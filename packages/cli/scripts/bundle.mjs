// Bundles `src/main.ts` and everything it imports (our packages, zod, commander, ...) into a few
// minified classic scripts, `dist/skein-<hash>.cjs` (one per lazily imported command), and writes
// `dist/bin.js` from `scripts/bin-loader.mjs`: it runs them through V8's code cache (Node 20 has
// no compile cache for ES modules), so a short command like `skein list` neither resolves ~150
// files nor parses and compiles them on every start (docs/cli-startup.md). Runs after `tsc -b`, which
// still emits the library entry (`dist/index.js`) and the type declarations.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));
const DIST = join(PACKAGE_DIR, "dist");
const SCRIPT_PREFIX = "skein-";
/** Files of the former ES-module bundle, removed when found. */
const OLD_CHUNK_PREFIX = "bin-chunk-";

// Native addons and CommonJS-only drivers stay real packages, loaded from node_modules.
// better-sqlite3's JavaScript is bundled (a dozen modules through Node's loader cost ~10 ms per
// start, outside the code cache); its addon is always handed over by @skein/state
// (`withNativeBinding`), so `bindings`, its addon search, stays outside and is never reached.
const EXTERNAL = ["bindings", "fs-ext", "pg", "pg-native"];

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
 * the packages are installed: at the compiled module in `dist/` (tsc keeps the folder layout, so
 * `../migrations/` is found from either).
 */
const importMetaUrlPlugin = {
  name: "skein-import-meta-url",
  transform(code, id) {
    if (!code.includes("import.meta.url") || !isAbsolute(id) || id.includes(`${sep}node_modules${sep}`)) return null;
    const { dir, manifest } = owningPackage(id);
    if (dir === PACKAGE_DIR.replace(/[\\/]$/, "")) return null; // the CLI's own modules: see below
    const entry = manifest.exports?.["."]?.default;
    if (typeof entry !== "string") throw new Error(`${manifest.name} has no default export to locate ${id} from`);
    // The bundle is built from the packages' sources, but a package as installed runs (and
    // ships) `dist/`: a source module's URL is its compiled twin's, so a sibling it names (a
    // worker entry such as `./extract-worker.js`) is found where tsc wrote it.
    const srcDir = join(dir, "src") + sep;
    const compiled = id.startsWith(srcDir) ? join(dir, "dist", id.slice(srcDir.length)).replace(/\.[cm]?tsx?$/, ".js") : id;
    const rel = relative(dirname(join(dir, entry)), compiled).split(sep).join("/");
    const url = `new URL(${JSON.stringify(rel)}, import.meta.resolve(${JSON.stringify(manifest.name)})).href`;
    return { code: code.replaceAll("import.meta.url", url), map: null };
  },
};

/**
 * The script runs inside a function (see bin-loader.mjs) where `import.meta` does not exist: what
 * is left of it after importMetaUrlPlugin means the loader's own (`dist/bin.js`, next to the
 * script), which the loader passes in as `__skeinImportMeta`.
 */
const importMetaParameterPlugin = {
  name: "skein-import-meta-parameter",
  transform(code) {
    if (!code.includes("import.meta")) return null;
    const rewritten = code.replaceAll("import.meta.url", "__skeinImportMeta.url").replaceAll("import.meta.resolve(", "__skeinImportMeta.resolve(");
    if (/\bimport\.meta\b/.test(rewritten)) throw new Error("the CLI script supports import.meta.url and import.meta.resolve() only");
    return { code: rewritten, map: null };
  },
};

// Build into a scratch folder next to dist/, then move the files in: the scripts first (their
// names are content hashes), then bin.js in one rename, then drop old scripts. A `skein` started while
// this runs (another build in the same checkout) sees the old or the new pair, never a mix.
const scratch = mkdtempSync(join(DIST, ".bundle-"));
try {
  const { output } = await build({
    input: join(PACKAGE_DIR, "src", "main.ts"),
    platform: "node",
    external: (id) => id.startsWith("node:") || EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`)),
    // Workspace packages from their sources (`@skein/source`), as the tests run them.
    resolve: { conditionNames: ["@skein/source", "import", "node", "default"] },
    plugins: [importMetaUrlPlugin, importMetaParameterPlugin],
    logLevel: "warn",
    output: {
      dir: scratch,
      format: "cjs",
      // One chunk per lazily imported command, as before; `import()` of a chunk or of an external
      // package (CommonJS: SQLite, pg) becomes a `require`, which the loader answers.
      entryFileNames: `${SCRIPT_PREFIX}[hash].cjs`,
      chunkFileNames: `${SCRIPT_PREFIX}[hash].cjs`,
      dynamicImportInCjs: false,
      minify: true,
      sourcemap: false,
    },
  });

  const built = readdirSync(scratch);
  const entry = output.find((chunk) => chunk.type === "chunk" && chunk.isEntry)?.fileName;
  if (!entry) throw new Error("the bundle has no entry script");
  const loader = readFileSync(join(PACKAGE_DIR, "scripts", "bin-loader.mjs"), "utf8").replaceAll("__SKEIN_SCRIPT__", entry);
  writeFileSync(join(scratch, "bin.js"), loader, { mode: 0o755 });
  for (const name of built) renameSync(join(scratch, name), join(DIST, name));
  renameSync(join(scratch, "bin.js"), join(DIST, "bin.js"));
  for (const name of readdirSync(DIST)) {
    const old = (name.startsWith(SCRIPT_PREFIX) && name.endsWith(".cjs") && !built.includes(name)) || name.startsWith(OLD_CHUNK_PREFIX);
    if (old) rmSync(join(DIST, name));
  }
  // tsc's map describes its own bin.js, which the loader replaced.
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
