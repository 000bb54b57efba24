import type { Options } from "tsup";

/**
 * Shared tsup settings: ESM + CJS bundles with a declaration file per format
 * (`.d.ts` beside the ESM build, `.d.cts` beside the CJS build).
 */
export function libraryConfig(overrides: Options = {}): Options {
  return {
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    splitting: false,
    treeshake: true,
    ...overrides,
  };
}
