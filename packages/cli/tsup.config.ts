import { defineConfig } from "tsup";
import { libraryConfig } from "../../tsup.base";

// One build for the library and the binary: `bin.js` (ESM, with its shebang kept) is what `lg-checkpoints` runs;
// `worker.js` is what export and import run in their worker threads.
// Declarations are only for the library entry.
export default defineConfig(
  libraryConfig({
    entry: { index: "src/index.ts", bin: "src/bin.ts", worker: "src/threads/worker.ts" },
    dts: { entry: { index: "src/index.ts" } },
    // The inspector finds its front end (dist/ui) next to the bundle: __dirname, which the ESM bundle gets from
    // tsup's shim.
    shims: true,
  }),
);
