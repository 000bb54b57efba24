import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The inspector's front end, built with the package (`pnpm build`) into dist/ui, which the inspector's server
 * serves. Preact's JSX through esbuild: no plugin, no Babel. Everything is bundled: nothing loads from a CDN.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
  },
  logLevel: "warn",
});
