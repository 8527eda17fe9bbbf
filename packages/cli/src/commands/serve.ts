import { spawn } from "node:child_process";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { openThreadStore } from "../open-store.js";
import { isLoopbackHost } from "../serve/security.js";
import { startViewerServer } from "../serve/viewer-server.js";

/** Options of `skein serve`. */
export interface ServeOptions {
  port?: number;
  host?: string;
  open?: boolean;
}

/** Asks the desktop to open `url` in a browser; failing to is not an error (the URL is printed). */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(command, args as string[], { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // No opener on this machine: the printed URL is enough.
  }
}

/**
 * `skein serve`: the web viewer over the store, until interrupted. Prints the URL (with the
 * per-run token) as the one line on stdout; everything else goes to stderr. Resolves when the
 * server has stopped (SIGINT/SIGTERM, or `signal`).
 */
export async function serveCommand(ctx: CommandContext, options: ServeOptions, signal?: AbortSignal): Promise<void> {
  const host = options.host ?? "127.0.0.1";
  if (host.trim() === "") throw new UsageError("--host needs a host name or address");
  const opened = await openThreadStore(ctx.store);
  let server;
  try {
    server = await startViewerServer({ store: opened.store, label: ctx.where, host, ...(options.port !== undefined && { port: options.port }) });
  } catch (error) {
    await opened.close();
    throw error;
  }
  ctx.out.line(server.url);
  ctx.out.error(ctx.out.colors.dim(`serving ${ctx.where} — press Ctrl+C to stop`));
  if (!isLoopbackHost(host)) {
    ctx.out.error(ctx.out.colors.yellow(`warning: listening on ${host}, not only on this machine; anyone who has the URL (token included) can read and change these threads`));
  }
  if (options.open) openInBrowser(server.url);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    signal?.addEventListener("abort", stop, { once: true });
  });
  await server.close();
  await opened.close();
}
