import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

/** The test server's connection string (see global-setup.ts); undefined when tests skip. */
export const PG_URL: string | undefined = inject("pgUrl");
/** Why the PostgreSQL tests skip, or undefined when a server is there. */
export const PG_SKIP: string | undefined = inject("pgSkipReason");

/** A schema name no other test uses. */
export function freshSchema(prefix = "t"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** Drops a test schema with everything in it (test cleanup only). */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
