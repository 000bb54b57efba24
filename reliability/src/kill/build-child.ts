import { createRequire } from "node:module";
import { join } from "node:path";
import type { ChildLauncher } from "./driver.js";

/** The part of esbuild's API used here. */
interface Esbuild {
  build(options: {
    entryPoints: string[];
    bundle: boolean;
    splitting: boolean;
    platform: "node";
    format: "esm";
    target: string;
    outdir: string;
    outExtension: Record<string, string>;
    tsconfig: string;
    packages: "external";
    logLevel: "warning";
  }): Promise<unknown>;
}

/**
 * esbuild, the compiler tsx runs on, loaded from tsx's own dependencies: the child is compiled by exactly what
 * would compile it under `--import tsx`, without a second copy to keep in step.
 */
function loadEsbuild(packageDir: string): Esbuild {
  const tsx = createRequire(join(packageDir, "package.json")).resolve("tsx");
  const fromTsx = createRequire(tsx);
  return fromTsx("esbuild") as Esbuild;
}

/**
 * Compiles child.ts once per suite run into `outDir` (which must lie inside this package, so that the drivers
 * left outside the bundle, better-sqlite3, postgres and redis, resolve from its node_modules). The `@lg/*` imports
 * go to the workspace sources through child.tsconfig.json, so children run the code in the tree, as the tests do.
 *
 * Why not `fork(child.ts, { execArgv: ["--import", tsx] })` per child: tsx compiles on every start, which costs
 * about 1.1 s of CPU per child against 0.4 s for the compiled file, and the suite starts about 90 children.
 */
export async function buildChild(sourceDir: string, outDir: string): Promise<ChildLauncher> {
  await loadEsbuild(join(sourceDir, "..", "..")).build({
    entryPoints: [join(sourceDir, "child.ts")],
    bundle: true,
    // Chunks per dynamic import: a child loads only its own store and driver.
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    tsconfig: join(sourceDir, "child.tsconfig.json"),
    packages: "external",
    logLevel: "warning",
  });
  return { script: join(outDir, "child.mjs") };
}
