import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built page: index.html and the hashed files under assets/. */
export interface ViewerAssets {
  index: string;
  files: Map<string, { body: Buffer; type: string }>;
}

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  woff2: "font/woff2",
};

/**
 * Where the page was built: `dist/viewer/` next to the bundled `skein` (the CLI's build copies
 * @skein/viewer's output there, so the npm package carries it), or, when running from sources
 * in this repository, the viewer package's own build.
 */
export function findAssetsDir(): string {
  const candidates = [
    fileURLToPath(new URL("./viewer/", import.meta.url)),
    fileURLToPath(new URL("../viewer/", import.meta.url)),
    fileURLToPath(new URL("../../dist/viewer/", import.meta.url)),
    fileURLToPath(new URL("../../../viewer/dist/app/", import.meta.url)),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, "index.html")));
  if (!found) throw new Error(`the viewer's page is not built (looked in ${candidates.join(", ")}); run \`pnpm build\``);
  return found;
}

/** Reads the built page into memory once (it is small), so serving it touches no disk. */
export function loadViewerAssets(dir = findAssetsDir()): ViewerAssets {
  const files = new Map<string, { body: Buffer; type: string }>();
  const assets = join(dir, "assets");
  for (const name of existsSync(assets) ? readdirSync(assets) : []) {
    const ext = name.split(".").pop() ?? "";
    files.set(`/assets/${name}`, { body: readFileSync(join(assets, name)), type: TYPES[ext] ?? "application/octet-stream" });
  }
  return { index: readFileSync(join(dir, "index.html"), "utf8"), files };
}
