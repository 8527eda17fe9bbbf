import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";

/** Where a failing browser test leaves its screenshot. */
export const SCREENSHOT_DIR = process.env["SKEIN_SCREENSHOT_DIR"] ?? fileURLToPath(new URL("../test-results/", import.meta.url));

/**
 * For an `afterEach`: when the test failed, saves a full-page screenshot of `page` named after
 * the test and prints where it is.
 */
export async function screenshotOnFailure(page: Page | undefined, task: { name: string; result?: { state?: string } }): Promise<void> {
  if (!page || task.result?.state !== "fail") return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 80)}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  console.warn(`screenshot of the failing test: ${file}`);
}
