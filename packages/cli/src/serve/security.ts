import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";

/** Names that always mean this machine. */
const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** True for a host name or address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return LOOPBACK_NAMES.has(host.toLowerCase()) || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare) || bare === "localhost";
}

/** What the guard needs to know about the running server. */
export interface GuardOptions {
  /** The per-run secret printed in the URL. */
  token: string;
  /** The port the server listens on (Host and Origin must name it). */
  port: () => number;
  /** The `--host` the user chose; accepted in Host/Origin besides the loopback names. */
  host: string;
}

/** The cookie that carries the token after the first visit (per port: cookies ignore ports). */
export const tokenCookieName = (port: number): string => `skein_token_${port}`;

function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The host names (with the port) a request may address this server by. */
function allowedHosts(options: GuardOptions): Set<string> {
  const port = options.port();
  const names = [...LOOPBACK_NAMES, options.host.includes(":") && !options.host.startsWith("[") ? `[${options.host}]` : options.host];
  return new Set(names.map((name) => `${name.toLowerCase()}:${port}`));
}

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/**
 * The viewer's gate (docs/viewer.md, "Safety"):
 * - every response carries a strict Content-Security-Policy and friends;
 * - a request whose Host is not this server's loopback name (or the chosen --host) is refused
 *   (421), so a DNS-rebinding page cannot talk to it;
 * - the page and the API need the per-run token: `?token=` once (it becomes a SameSite=Strict,
 *   HttpOnly cookie and the URL is cleaned), then the cookie;
 * - a request that changes something must come from this origin: POST with a JSON body, an
 *   Origin header naming this server, and no cross-site Sec-Fetch-Site.
 */
export function viewerGuard(options: GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    const hosts = allowedHosts(options);
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (!hosts.has(host)) return c.json({ error: `refused: Host "${host}" is not this server (DNS rebinding guard)` }, 421);

    const url = new URL(c.req.url);
    const cookie = tokenCookieName(options.port());
    const queryToken = url.searchParams.get("token");
    if (queryToken !== null && c.req.method === "GET" && !url.pathname.startsWith("/api/")) {
      if (!sameSecret(queryToken, options.token)) return c.text("wrong token: open the URL `skein serve` printed", 403);
      url.searchParams.delete("token");
      const location = `${url.pathname}${url.search}${url.hash}`;
      c.header("Set-Cookie", `${cookie}=${options.token}; Path=/; HttpOnly; SameSite=Strict`);
      return c.redirect(location, 303);
    }
    const isAsset = url.pathname.startsWith("/assets/") || url.pathname === "/favicon.ico";
    if (!isAsset && !sameSecret(getCookie(c, cookie), options.token)) {
      return url.pathname.startsWith("/api/")
        ? c.json({ error: "missing or wrong token: open the URL `skein serve` printed" }, 401)
        : c.text("This viewer needs its token: open the URL `skein serve` printed (it ends with ?token=…).", 401);
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const origin = (c.req.header("origin") ?? "").toLowerCase();
      const site = c.req.header("sec-fetch-site");
      const type = c.req.header("content-type") ?? "";
      const originOk = origin !== "" && origin.startsWith("http://") && hosts.has(origin.slice("http://".length));
      if (!originOk || (site !== undefined && site !== "same-origin") || !type.startsWith("application/json")) {
        return c.json({ error: "refused: a change must come from the viewer's own page (origin check)" }, 403);
      }
    }
    await next();
  };
}
