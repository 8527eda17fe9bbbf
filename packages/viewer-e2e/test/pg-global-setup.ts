import { providePostgres } from "@skein/testkit";

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of the test server; undefined when none could be had. */
    pgUrl: string | undefined;
    /** Why there is no server (printed once by the setup). */
    pgSkipReason: string | undefined;
  }
}

/** `SKEIN_PG_URL`, else a throwaway cluster on a unix socket; without PostgreSQL the suite skips, saying why. */
export default providePostgres("skein serve over PostgreSQL (browser tests)");
