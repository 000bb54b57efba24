import { defineConfig } from "tsup";
import { libraryConfig } from "../../tsup.base";

export default defineConfig(
  libraryConfig({
    // The optional peers (postgres, redis, testcontainers) are loaded with import() only when a backend helper
    // runs. In the CommonJS build that becomes require(): jest runs CommonJS without a dynamic-import hook, so an
    // import() left in the .cjs file would fail there.
    esbuildOptions(options, context) {
      if (context.format === "cjs") options.supported = { ...options.supported, "dynamic-import": false };
    },
  }),
);
