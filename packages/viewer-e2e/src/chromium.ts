import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's chromium; the test command installs it (Playwright's own browser download is not used). */
export const CHROMIUM_PATH = process.env["SKEIN_CHROMIUM"] ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here (printed), or undefined when they can. */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  const reason = `browser tests skipped: ${CHROMIUM_PATH} is missing (install Debian's \`chromium\`, or set SKEIN_CHROMIUM)`;
  console.warn(`[skip] ${reason}`);
  return reason;
}

/** A headless chromium with a fresh, empty profile, deleted on close. */
export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Debian's chromium headless with no network chatter of its own (the machine's network
 * is closed: background services, component updates and sync would only fail), in a new user
 * data dir, with downloads accepted.
 */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), "skein-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1200, height: 800 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
