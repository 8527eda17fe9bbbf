import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";
import { LocalThreadStore } from "@skein/thread-store";
import type { Page } from "playwright-core";
import { atMost, type BenchCase, type BenchContext, type Figure } from "../bench-context.js";
import { generateLargeRollout } from "../generate-home.js";
import { nowMs, summarize } from "../stats.js";

const C = "7 viewer";
const CHROMIUM = process.env["SKEIN_CHROMIUM"] ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** A running `skein serve` of the built CLI. */
interface Served {
  url: string;
  origin: string;
  child: ChildProcess;
}

async function serve(ctx: BenchContext, home: string): Promise<Served> {
  const bin = join(ctx.repoRoot, "packages", "cli", "dist", "bin.js");
  const child = spawn(process.execPath, [bin, "serve", "--home", home], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", (line) => resolve(line.trim()));
    child.once("exit", (code) => reject(new Error(`skein serve exited with ${code}`)));
  });
  return { url, origin: new URL(url).origin, child };
}

/** The rollout of a home that holds one thread (the load case's 1 GB home), or undefined. */
function onlyThreadOf(home: string): string | undefined {
  const sessions = join(home, "sessions");
  if (!existsSync(sessions)) return undefined;
  const files = (readdirSync(sessions, { recursive: true }) as string[]).filter((name) => name.endsWith(".jsonl"));
  const id = files.length === 1 ? /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/.exec(files[0]!)?.[1] : undefined;
  return id;
}

/** A word of a listed thread's preview to search for (5+ letters, so it matches as typed). */
async function searchWord(home: string): Promise<string> {
  const store = await LocalThreadStore.open({ home });
  try {
    const { items } = await store.listThreads({ pageSize: 50 });
    const words = items.flatMap((t) => t.preview.split(/[^A-Za-z]+/)).filter((w) => w.length >= 5);
    return words[Math.floor(words.length / 2)] ?? "thread";
  } finally {
    await store.close();
  }
}

/** Gzipped size, in KB, of the page's JavaScript as the CLI ships it. */
function pageJsKb(ctx: BenchContext): number {
  const assets = join(ctx.repoRoot, "packages", "cli", "dist", "viewer", "assets");
  return readdirSync(assets)
    .filter((name) => name.endsWith(".js"))
    .reduce((sum, name) => sum + gzipSync(readFileSync(join(assets, name)), { level: 9 }).length / 1024, 0);
}

// Runs in the page: types the term into the search box and resolves with the ms until the hits show.
const SEARCH_IN_PAGE = `async (term) => {
  const box = document.getElementById("search");
  const type = (value) => { box.value = value; box.dispatchEvent(new Event("input", { bubbles: true })); };
  const until = (test) => new Promise((resolve) => { const check = () => (test() ? resolve() : requestAnimationFrame(check)); check(); });
  type("");
  await until(() => !document.getElementById("hit-count"));
  const start = performance.now();
  type(term);
  await until(() => /matching|no matches/.test(document.getElementById("hit-count")?.textContent ?? ""));
  return performance.now() - start;
}`;

// Runs in every page before its own script: when the first list rows or transcript entries are
// put in the document, marks them for the Element Timing API, whose renderTime is when the
// frame showing them was presented, in ms since the navigation started (Performance API time
// origin): what a person sees, without the driver's polling delay. If the browser reports no
// element timing, the end of the next frame after the insertion stands in.
const FIRST_ROWS_MARK = `(() => {
  const rows = "#threads .row, #transcript [data-position]";
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.identifier === "skein-first" && window.__skeinFirstRows === undefined) window.__skeinFirstRows = e.renderTime || e.loadTime;
  }).observe({ type: "element", buffered: true });
  const observer = new MutationObserver(() => {
    const found = document.querySelectorAll(rows);
    if (found.length === 0) return;
    observer.disconnect();
    for (const node of found) for (const el of [node, ...node.querySelectorAll("*")]) el.setAttribute("elementtiming", "skein-first");
    requestAnimationFrame(() => setTimeout(() => (window.__skeinFrameAfterRows = performance.now()), 0));
  });
  observer.observe(document, { childList: true, subtree: true });
})()`;

/** Navigates to `url` and resolves with [ms to the first rows drawn (in the page), ms the driver saw]. */
async function firstRows(page: Page, url: string, selector: string): Promise<[number, number]> {
  const start = nowMs();
  await page.goto(url);
  await page.locator(selector).first().waitFor({ timeout: 300_000 });
  const driver = nowMs() - start;
  // Polled with evaluate (CDP, not subject to the page's CSP, unlike waitForFunction's string); the
  // value is a timestamp taken in the page, so the polling adds nothing to it.
  for (;;) {
    const ms = (await page.evaluate("window.__skeinFirstRows ?? (performance.now() - (window.__skeinFrameAfterRows ?? Infinity) > 2000 ? window.__skeinFrameAfterRows : null)")) as number | null;
    if (ms !== null) return [ms, driver];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Case 7: the web viewer in Debian's chromium, on the 10,000-thread home and a 1 GB thread. */
export const viewerCase: BenchCase = {
  id: "viewer",
  title: "Viewer: first rows, search, a huge thread's last page, page weight",
  async run(ctx) {
    const figures: Figure[] = [atMost({ case: C, name: "page JavaScript, gzipped", unit: "KB", value: pageJsKb(ctx) }, 150)];
    if (!existsSync(CHROMIUM)) {
      figures.push({ case: C, name: "browser figures", unit: "ms", value: Number.NaN, note: `skipped: ${CHROMIUM} is missing (install Debian's chromium)` });
      return figures;
    }
    const { chromium } = await import("playwright-core");
    const home = ctx.home().path;
    const indexed = await LocalThreadStore.open({ home });
    await indexed.close();
    const term = await searchWord(home);

    const loadHome = join(ctx.workDir, "tail-home");
    let tailHome = loadHome;
    let tailId = onlyThreadOf(loadHome);
    if (tailId === undefined) {
      tailHome = join(ctx.workDir, "viewer-tail-home");
      ctx.log(`  writing a ${ctx.sizes.tailBytes / 1024 / 1024} MB rollout`);
      tailId = (await generateLargeRollout({ home: tailHome, bytes: ctx.sizes.tailBytes, seed: 6 })).threadId;
    }
    // Indexed as the load case does (`reindex`); the first opening then builds the item index.
    const tailStore = await LocalThreadStore.open({ home: tailHome, catchUp: "none" });
    try {
      await tailStore.reindex();
    } finally {
      await tailStore.close();
    }

    const served = await serve(ctx, home);
    const tail = await serve(ctx, tailHome);
    const profile = mkdtempSync(join(ctx.workDir, "chromium-"));
    const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1200, height: 800 } });
    try {
      const page = await browser.newPage();
      await page.addInitScript(FIRST_ROWS_MARK);
      await page.goto(served.url); // sets the token cookie
      await page.locator("#threads .row").first().waitFor();
      const nav: number[] = [];
      const navDriver: number[] = [];
      for (let run = 0; run < ctx.sizes.runs + 1; run++) {
        const [ms, driver] = await firstRows(page, `${served.origin}/`, "#threads .row");
        if (run > 0) (nav.push(ms), navDriver.push(driver)); // the first is a warm-up
      }
      const search: number[] = [];
      for (let run = 0; run < ctx.sizes.runs + 1; run++) {
        const ms = (await page.evaluate(`(${SEARCH_IN_PAGE})(${JSON.stringify(term)})`)) as number;
        if (run > 0) search.push(ms);
      }
      await page.goto(tail.url);
      await page.locator("#threads .row").first().waitFor();
      const last: number[] = [];
      const lastDriver: number[] = [];
      let cold = Number.NaN;
      for (let run = 0; run < Math.min(3, ctx.sizes.runs) + 1; run++) {
        const [ms, driver] = await firstRows(page, `${tail.origin}/t/${tailId}`, "#transcript [data-position]");
        if (run > 0) (last.push(ms), lastDriver.push(driver));
        else cold = ms;
      }
      const n = summarize(nav);
      const s = summarize(search);
      const l = summarize(last);
      const seen = (values: number[]) => `the driver (playwright) saw it after ${Math.round(summarize(values).median)} ms`;
      const mb = Math.round(ctx.sizes.tailBytes / 1024 / 1024);
      figures.push(
        atMost({ case: C, name: `navigation to the first rows visible, ${ctx.sizes.homeThreads} threads`, unit: "ms", value: n.median, stats: n, note: `navigation start to the frame that showed the first rows (Element Timing); ${seen(navDriver)}` }, 500),
        atMost({ case: C, name: `typing a search term to hits visible ("${term}")`, unit: "ms", value: s.median, stats: s, note: "the page searches at the first keystroke (no debounce)" }, 200),
        atMost({ case: C, name: `opening the last page of a ${mb} MB thread`, unit: "ms", value: l.median, stats: l, note: `navigation start to the frame that showed the first entries (Element Timing); ${seen(lastDriver)}` }, 300),
        { case: C, name: `  its first opening in this run`, unit: "ms", value: cold, note: "the store builds the thread's item index on first use and keeps it" },
      );
    } finally {
      await browser.close();
      for (const child of [served.child, tail.child]) child.kill("SIGTERM");
      rmSync(profile, { recursive: true, force: true });
    }
    return figures;
  },
};
