import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parseStoreLocation, redactUrl } from "../src/store-location.js";
import { useDemoHome } from "./helpers/demo-home.js";
import { runCli, runCliJson } from "./helpers/run-cli.js";

const PG_URL = inject("pgUrl");
const PG_SKIP = inject("pgSkipReason");

/** The throwaway server's socket directory (the testkit cluster listens on a unix socket only). */
function socketDir(): string | undefined {
  if (PG_URL === undefined) return undefined;
  return new URL(PG_URL).searchParams.get("host") ?? undefined;
}
const SOCKET_SKIP = PG_SKIP ?? (socketDir() === undefined ? "SKEIN_PG_URL names no unix socket (?host=/dir), so the socket forms cannot be tried" : undefined);
if (SOCKET_SKIP !== undefined && PG_SKIP === undefined) console.warn(`[skip] ${SOCKET_SKIP}`);

describe("postgres store URLs in every form pg reads", () => {
  it("accepts libpq's unix-socket form with an empty host", () => {
    expect(parseStoreLocation({ store: "postgres://user@/db?host=/var/run/postgresql" }, {})).toEqual({
      kind: "postgres",
      url: "postgres://user@/db?host=/var/run/postgresql",
      label: "postgres://user@/db?host=/var/run/postgresql",
    });
  });

  it("accepts a percent-encoded socket directory as the host, and pg's socket:// form", () => {
    expect(parseStoreLocation({ store: "postgres://user@%2Fvar%2Frun%2Fpostgresql/db" }, {})).toMatchObject({ kind: "postgres" });
    expect(parseStoreLocation({ store: "socket://user:pw@/var/run/postgresql?db=skein&schema=s" }, {})).toEqual({
      kind: "postgres",
      url: "socket://user:pw@/var/run/postgresql?db=skein",
      schema: "s",
      label: "socket://user:***@/var/run/postgresql?db=skein&schema=s",
    });
  });

  it("accepts an empty authority, IPv6 hosts and a schema given first, keeping the other parameters as written", () => {
    expect(parseStoreLocation({ store: "postgresql:///skein?schema=team%20a&host=/tmp&sslmode=disable" }, {})).toEqual({
      kind: "postgres",
      url: "postgresql:///skein?host=/tmp&sslmode=disable",
      schema: "team a",
      label: "postgresql:///skein?schema=team%20a&host=/tmp&sslmode=disable",
    });
    expect(parseStoreLocation({ store: "postgres://[::1]:5432/db" }, {})).toMatchObject({ kind: "postgres", url: "postgres://[::1]:5432/db" });
  });

  it("does not read the certificate files a URL names while checking it", () => {
    const store = "postgres://me@db/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem";
    expect(parseStoreLocation({ store }, {})).toMatchObject({ kind: "postgres", url: store });
  });

  it("refuses what pg cannot parse with a usage error that never shows the password", () => {
    const attempt = () => parseStoreLocation({ store: "postgres://me:hunter2@db:99999/x" }, {});
    expect(attempt).toThrow(/^invalid store URL "postgres:\/\/me:\*\*\*@db:99999\/x": expected postgres:\/\//);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it("masks passwords in the user info (up to the last @) and in password parameters", () => {
    expect(redactUrl("postgres://me:p@ss:w0rd@db/x")).toBe("postgres://me:***@db/x");
    expect(redactUrl("postgres://me@/x?host=/run&password=hunter2&sslpassword=k3y")).toBe("postgres://me@/x?host=/run&password=***&sslpassword=***");
    expect(redactUrl("postgres://me@db/x")).toBe("postgres://me@db/x");
    expect(redactUrl("postgres://db:5432/x")).toBe("postgres://db:5432/x");
  });
});

describe.skipIf(SOCKET_SKIP)("--store over a unix socket (child process, throwaway PostgreSQL)", () => {
  const demo = useDemoHome("skein-cli-socket-");
  const schema = `cli_socket_${randomBytes(5).toString("hex")}`;

  afterAll(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  });

  it("exports to and lists from postgres://user:password@/db?host=/socket/dir, never printing the password", async () => {
    const store = `postgres://skein:hunter2@/postgres?host=${socketDir()}&schema=${schema}`;
    const exported = await runCli(["--home", demo.home, "export", "--to", store]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(`exported 2 threads (0 skipped, 0 failed) to postgres://skein:***@/postgres?host=${socketDir()}&schema=${schema}\n`);
    const local = await runCliJson<{ items: { id: string }[] }>(["--home", demo.home, "list", "--json"]);
    const viaSocket = await runCliJson<{ items: { id: string }[] }>(["--store", store, "list", "--json"]);
    expect(viaSocket.items.map((thread) => thread.id).sort()).toEqual(local.items.map((thread) => thread.id).sort());
    expect(viaSocket.items).toHaveLength(2);
  });

  it("reaches the server through a percent-encoded socket host and a password parameter", async () => {
    const store = `postgresql://skein@${encodeURIComponent(socketDir()!)}/postgres?password=hunter2&schema=${schema}`;
    const listed = await runCliJson<{ items: unknown[] }>(["list", "--json"], { env: { SKEIN_STORE: store } });
    expect(listed.items).toHaveLength(2);
  });

  it("a database that does not exist fails with exit 1 and the password masked in every line", async () => {
    const store = `postgres://skein:hunter2@/no_such_db?host=${socketDir()}&password=hunter2`;
    const result = await runCli(["--store", store, "list", "--debug"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: cannot open store postgres://skein:***@/no_such_db?host=${socketDir()}&password=***: database "no_such_db" does not exist`);
    expect(`${result.stdout}${result.stderr}`).not.toContain("hunter2");
  });
});
