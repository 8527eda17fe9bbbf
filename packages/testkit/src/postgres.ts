import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A PostgreSQL server for a test run, or the reason there is none. */
export interface TestPostgres {
  /** Connection string; undefined when no server could be had. */
  url: string | undefined;
  /** Why there is no server (already printed). */
  skipReason: string | undefined;
  /** Stops and deletes a throwaway cluster; a no-op for `SKEIN_PG_URL` or no server. */
  stop(): void;
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
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  for (const name of ["postgres", "nobody"]) {
    const result = spawnSync("id", ["-u", name], { encoding: "utf8" });
    if (result.status !== 0) continue;
    const gid = Number(spawnSync("id", ["-g", name], { encoding: "utf8" }).stdout.trim());
    return { uid: Number(result.stdout.trim()), gid };
  }
  return undefined;
}

/**
 * `SKEIN_PG_URL` when set; otherwise a throwaway cluster (initdb + pg_ctl) listening only on a
 * unix socket in a temp dir, run as an unprivileged user when we are root. Without PostgreSQL
 * binaries it prints why and returns no URL, so suites skip with that reason. Used by the vitest
 * global setups of the suites that need a server.
 */
export function startTestPostgres(label: string): TestPostgres {
  const given = process.env["SKEIN_PG_URL"];
  if (given) return { url: given, skipReason: undefined, stop: () => {} };
  const bin = findPgBin();
  if (!bin) {
    const skipReason =
      `${label} skipped: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin and SKEIN_PG_URL is unset ` +
      "(install the Debian package `postgresql`)";
    console.warn(skipReason);
    return { url: undefined, skipReason, stop: () => {} };
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
    const [file, argv] = user
      ? ["setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    execFileSync(file, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: dir, env: { ...process.env, LC_ALL: "C" } });
  };
  run("initdb", ["-D", data, "-U", "skein", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const serverOptions = `-c listen_addresses='' -k ${socket} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  run("pg_ctl", ["-D", data, "-o", serverOptions, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  return {
    url: `postgresql://skein@localhost/postgres?host=${encodeURIComponent(socket)}`,
    skipReason: undefined,
    stop: () => {
      try {
        run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** What a vitest global setup receives (the part {@link providePostgres} uses). */
export interface ProvidingProject {
  provide(key: "pgUrl" | "pgSkipReason", value: string | undefined): void;
}

/**
 * A vitest global setup that provides `pgUrl` and `pgSkipReason` to the tests (see
 * {@link startTestPostgres}) and stops the server in teardown. The suite declares the two keys
 * in vitest's `ProvidedContext`.
 */
export function providePostgres(label: string): (project: ProvidingProject) => () => void {
  return (project) => {
    const server = startTestPostgres(label);
    project.provide("pgUrl", server.url);
    project.provide("pgSkipReason", server.skipReason);
    return server.stop;
  };
}
