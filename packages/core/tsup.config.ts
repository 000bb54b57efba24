import { defineConfig } from "tsup";
import { libraryConfig } from "../../tsup.base";

// Two entries (the application's `@lg/core` and the store author's `@lg/core/store`) share one copy of the code in
// each format: split into common chunks, so both entries see the same classes and registries.
export default defineConfig(
  libraryConfig({ entry: { index: "src/index.ts", store: "src/store-entry.ts" }, splitting: true }),
);
