import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of the test server; undefined when none could be had. */
    pgUrl: string | undefined;
    /** Why there is no server (printed once by the setup). */
    pgSkipReason: string | undefined;
  }
}

/** Finds a PostgreSQL bin dir with initdb and pg_ctl: PATH first, then Debian's versioned dirs. */
function findPgBin(): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(":")) {
    if (dir && existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) return dir;
  }
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(root, version, "bin");
    if (existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) return dir;
  }
  return undefined;
}

/** The unprivileged account to run the server as when we are root (initdb refuses root). */
function unprivilegedUser(): { name: string; uid: number; gid: number } | undefined {
  for (const name of ["postgres", "nobody"]) {
    const result = spawnSync("id", ["-u", name], { encoding: "utf8" });
    if (result.status !== 0) continue;
    const gid = Number(spawnSync("id", ["-g", name], { encoding: "utf8" }).stdout.trim());
    return { name, uid: Number(result.stdout.trim()), gid };
  }
  return undefined;
}

// Same approach as @skein/thread-store-postgres's test setup (a test file is not an export, so
// it is copied rather than imported across packages).

/**
 * Provides `pgUrl` to the tests: `SKEIN_PG_URL` when set, otherwise a throwaway cluster
 * (initdb + pg_ctl) listening only on a unix socket in a temp dir, stopped and deleted in
 * teardown. Without PostgreSQL binaries the tests skip with the printed reason.
 */
export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env["SKEIN_PG_URL"];
  if (given) {
    project.provide("pgUrl", given);
    project.provide("pgSkipReason", undefined);
    return undefined;
  }
  const bin = findPgBin();
  if (!bin) {
    const reason =
      "skein PostgreSQL store tests skipped: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin and SKEIN_PG_URL is unset " +
      "(install the Debian package `postgresql`)";
    console.warn(reason);
    project.provide("pgUrl", undefined);
    project.provide("pgSkipReason", reason);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), "skein-pg-"));
  const data = join(dir, "data");
  const socket = join(dir, "socket");
  mkdirSync(socket);
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? unprivilegedUser() : undefined;
  if (asRoot && !user) throw new Error("running as root and found no unprivileged user (postgres or nobody) for the server");
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(socket, user.uid, user.gid);
  }
  const run = (cmd: string, args: string[]): void => {
    const [file, argv] = user ? ["setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", join(bin, cmd), ...args]] : [join(bin, cmd), args];
    execFileSync(file, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: dir, env: { ...process.env, LC_ALL: "C" } });
  };
  run("initdb", ["-D", data, "-U", "skein", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const serverOptions = `-c listen_addresses='' -k ${socket} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  run("pg_ctl", ["-D", data, "-o", serverOptions, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  project.provide("pgUrl", `postgresql://skein@localhost/postgres?host=${encodeURIComponent(socket)}`);
  project.provide("pgSkipReason", undefined);
  return () => {
    try {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
