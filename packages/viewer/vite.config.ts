import { defineConfig } from "vite";

// The page of `skein serve`. Built into dist/app; the CLI's build copies it into its own
// dist/viewer, so the published @skein/cli serves it with no network at run time.
export default defineConfig({
  root: "src/app",
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "../../dist/app",
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
});
