#!/usr/bin/env node
// dist/bin.js, written by scripts/bundle.mjs from this template: runs the whole CLI (one classic
// script, dist/__SKEIN_SCRIPT__) through V8's code cache, so a short command like `skein list`
// does not parse and compile ~1 MB of JavaScript on every start. Design: docs/cli-startup.md.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Script } from "node:vm";

const DIST = dirname(fileURLToPath(import.meta.url));
/** The entry script; its chunks are the other `skein-<hash>.cjs` files next to it. */
const ENTRY = "./__SKEIN_SCRIPT__";
/** Cache files of other builds are removed when older than this. */
const STALE_MS = 7 * 24 * 3600 * 1000;

/**
 * The cache folder and the folder that must already exist for it to be made (the user's home or
 * cache folder is never created: a test or a service may run with a HOME that does not exist), or
 * undefined when `SKEIN_CODE_CACHE=0` turns the cache off.
 */
function cacheDir(env) {
  const setting = (env.SKEIN_CODE_CACHE ?? "").trim().toLowerCase();
  if (setting === "0" || setting === "false" || setting === "off" || setting === "no") return undefined;
  if (env.SKEIN_CODE_CACHE_DIR) return { dir: env.SKEIN_CODE_CACHE_DIR, base: undefined };
  const base = env.XDG_CACHE_HOME || homedir();
  return { dir: join(base, ...(env.XDG_CACHE_HOME ? [] : [".cache"]), "skein", "code-cache"), base };
}

function readScript(path) {
  const fd = openSync(path, "r");
  try {
    const { size, mtimeMs } = fstatSync(fd);
    return { source: readFileSync(fd, "utf8"), stamp: `${size}-${Math.trunc(mtimeMs)}` };
  } finally {
    closeSync(fd);
  }
}

function readCache(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined; // missing or unreadable: compile from source
  }
}

/** Writes each pending cache file in one rename, and drops stale ones of other builds. Never throws. */
function writeCaches({ dir, base }, pending) {
  try {
    if (base !== undefined && !existsSync(base)) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const { file, script } of pending) {
      const scratch = `${file}.${process.pid}.tmp`;
      writeFileSync(scratch, script.createCachedData(), { mode: 0o600 });
      renameSync(scratch, file);
    }
    const current = new Set(pending.map(({ file }) => basename(file)));
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!current.has(name) && now - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? now) > STALE_MS) rmSync(path, { force: true });
    }
  } catch {
    // A read-only or full disk only costs the next start its compile time.
  }
}

const cache = cacheDir(process.env);
/** Scripts compiled without an accepted cache, whose cache is written at exit. */
const pending = [];
const loaded = new Map();
/**
 * `import.meta` for the scripts. `resolve` goes through CommonJS resolution first: the packages it
 * is asked for (workspace packages locating their own files, see bundle.mjs) export a `default`
 * target, which both resolvers pick, and the CommonJS resolver is already loaded and cached while
 * the ES one costs a `skein list` several ms on first use (docs/cli-startup.md).
 */
const importMeta = {
  url: import.meta.url,
  resolve: (specifier) => {
    try {
      return pathToFileURL(requireExternal.resolve(specifier)).href;
    } catch {
      return import.meta.resolve(specifier);
    }
  },
};
const requireExternal = createRequire(join(DIST, "bin.js"));

/** `require` inside the scripts: their own chunks through the code cache, anything else as usual. */
function requireScript(specifier) {
  if (!specifier.startsWith("./skein-")) return requireExternal(specifier);
  const name = specifier.slice(2);
  const done = loaded.get(name);
  if (done) return done.exports;
  const path = join(DIST, name);
  const { source, stamp } = readScript(path);
  // The key names what the compiled code depends on: the script (its name is its content hash;
  // size and mtime in case it was edited since), V8's version and the CPU. V8 checks its flags.
  const file = cache && join(cache.dir, `${name}-${stamp}-${process.versions.v8}-${process.arch}.bin`);
  const cachedData = file && readCache(file);
  const wrapper = `(function (exports, require, module, __filename, __dirname, __skeinImportMeta) {${source}\n})`;
  const script = new Script(wrapper, { filename: path, ...(cachedData ? { cachedData } : {}) });
  if (file && (!cachedData || script.cachedDataRejected)) {
    // Made at exit, so the cache also holds every function compiled on the way.
    if (pending.length === 0) process.once("exit", () => writeCaches(cache, pending));
    pending.push({ file, script });
  }
  const module = { exports: {} };
  loaded.set(name, module);
  script.runInThisContext()(module.exports, requireScript, module, path, DIST, importMeta);
  return module.exports;
}

requireScript(ENTRY);
