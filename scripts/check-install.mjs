#!/usr/bin/env node
/**
 * Proves "install only the backend you need": for each store in STORES it packs `@lg/core` and that store as
 * they would be published (`pnpm pack` rewrites `workspace:` ranges), installs just those two tarballs with npm
 * into an empty project outside the workspace, checks that no other backend's driver came along, and then
 *   (a) runs an ES module consumer (`.mjs`),
 *   (b) runs a CommonJS consumer (`.cjs`),
 *   (c) type-checks TypeScript consumers (`module: NodeNext`, strict; one `.mts`, one `.cts`, so both the
 *       `import` and the `require` type entry points are checked),
 * each of which imports the store and core by package name, saves a checkpoint through the store and loads it
 * back. Prints progress per step and a summary; exits 1 on any failure. Temp folders are removed at the end
 * (set `LG_CHECK_INSTALL_KEEP=1` to keep them for debugging).
 *
 * Usage: `node scripts/check-install.mjs [store package …]` (default: every row of STORES). Needs `pnpm build`.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * One row per published store. The snippets are pasted into every consumer (ESM, CJS, TypeScript), so they are
 * plain JavaScript that is also valid TypeScript. In scope: the store class (`exportName`), `dataDir` (an empty
 * folder for this run), `suffix` (random, for table names or key prefixes) and `process.env`.
 * - `create`: an expression that constructs the store.
 * - `setup` / `teardown`: statements run after construction / before `close()` (optional).
 * - `cleanup({ suffix, run })`: runs in this script after the consumers, to remove what they left on a server
 *   (optional; `run(command, args)` throws when the command fails).
 * Every consumer saves a checkpoint, loads it back, clears its execution and closes the store.
 */
const POSTGRES_URL = "process.env.POSTGRES_CONN_STRING ?? \"postgres://postgres@127.0.0.1:5432/test\"";
const REDIS_ADDR = "process.env.REDIS_ADDR ?? \"127.0.0.1:6379\"";
const STORES = [
  {
    package: "@lg/store-memory",
    exportName: "MemoryCheckpointStore",
    create: "new MemoryCheckpointStore()",
  },
  {
    package: "@lg/store-sqlite",
    exportName: "SqliteCheckpointStore",
    create: 'new SqliteCheckpointStore({ path: dataDir + "/checkpoints.db" })',
  },
  {
    package: "@lg/store-postgres",
    exportName: "PostgresCheckpointStore",
    create: `new PostgresCheckpointStore({ connString: ${POSTGRES_URL}, schema: "lg_check_install_" + suffix })`,
    setup: "await store.setup();",
    cleanup: ({ suffix, run }) =>
      run("psql", [
        process.env.POSTGRES_CONN_STRING ?? "postgres://postgres@127.0.0.1:5432/test",
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        `DROP SCHEMA IF EXISTS "lg_check_install_${suffix}" CASCADE`,
      ]),
  },
  {
    package: "@lg/store-redis",
    exportName: "RedisCheckpointStore",
    create: `new RedisCheckpointStore({ addr: ${REDIS_ADDR}, prefix: "lg-check-install:" + suffix + ":" })`,
    cleanup: ({ suffix, run }) => {
      const [host, port] = (process.env.REDIS_ADDR ?? "127.0.0.1:6379").split(":");
      const cli = ["-h", host, "-p", port ?? "6379"];
      const keys = run("redis-cli", [...cli, "--scan", "--pattern", `lg-check-install:${suffix}:*`]).split("\n");
      const leftover = keys.map((key) => key.trim()).filter(Boolean);
      if (leftover.length > 0) run("redis-cli", [...cli, "DEL", ...leftover]);
    },
  },
];

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const requireFromRoot = createRequire(join(root, "package.json"));
const STEP_TIMEOUT_MS = 5 * 60_000;

/** Workspace packages under packages/, by name. */
function workspacePackages() {
  const byName = new Map();
  for (const entry of readdirSync(join(root, "packages"), { withFileTypes: true })) {
    const dir = join(root, "packages", entry.name);
    if (!entry.isDirectory() || !existsSync(join(dir, "package.json"))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    byName.set(manifest.name, { dir, manifest });
  }
  return byName;
}

/** Runs a command; returns its output, or throws with the output when it fails. */
function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: STEP_TIMEOUT_MS, env: process.env });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit code ${result.status}`;
    throw new Error(`\`${command} ${args.join(" ")}\` failed (${why})${output ? `:\n${output}` : ""}`);
  }
  return output;
}

/** Packs a workspace package into `dest` the way it would be published; returns the tarball path. */
function pack(pkg, dest) {
  if (!existsSync(join(pkg.dir, "dist"))) {
    throw new Error(`${pkg.manifest.name} has no dist/: run \`pnpm build\` first`);
  }
  const before = new Set(readdirSync(dest));
  run("pnpm", ["pack", "--pack-destination", dest], pkg.dir);
  const created = readdirSync(dest).filter((file) => file.endsWith(".tgz") && !before.has(file));
  if (created.length !== 1) throw new Error(`pnpm pack of ${pkg.manifest.name} left ${created.length} tarballs`);
  return join(dest, created[0]);
}

/** Names of the packages installed in a project's node_modules (scoped ones included). */
function installedPackages(projectDir) {
  const names = [];
  const scan = (dir, scope) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      if (!scope && entry.name.startsWith("@")) scan(join(dir, entry.name), entry.name);
      else names.push(scope ? `${scope}/${entry.name}` : entry.name);
      const nested = join(dir, entry.name, "node_modules");
      if (existsSync(nested)) scan(nested);
    }
  };
  scan(join(projectDir, "node_modules"));
  return [...new Set(names)].sort();
}

/** The save/load round trip shared by every consumer; `label` names the consumer in its output. */
function roundTripBody(store, label, { typed }) {
  const t = (annotation) => (typed ? annotation : "");
  return `
  const executionId${t(": string")} = "check-install-" + suffix;
  const store = ${store.create};
  const contract${t(": CheckpointStore")} = store;
  ${store.setup ?? ""}
  const checkpoint${t(": Checkpoint<{ count: number; tags: Set<string> }>")} = {
    id: createCheckpointId(),
    executionId,
    nodeName: "__input__",
    state: { count: 1, tags: new Set(["a"]) },
    metadata: {},
    timestamp: new Date(),
    version: 1,
    next: ["step"],
  };
  await contract.save(checkpoint);
  const loaded = await contract.load(checkpoint.id);
  const state = (loaded ? loaded.state : undefined)${t(" as { count?: unknown; tags?: unknown } | undefined")};
  if (
    !loaded ||
    loaded.id !== checkpoint.id ||
    loaded.version !== 1 ||
    !(loaded.timestamp instanceof Date) ||
    loaded.timestamp.getTime() !== checkpoint.timestamp.getTime() ||
    !state ||
    state.count !== 1 ||
    !(state.tags instanceof Set) ||
    !state.tags.has("a")
  ) {
    throw new Error("${label}: the loaded checkpoint differs from the saved one: " + String(loaded && loaded.id));
  }
  await contract.clear(executionId);
  ${store.teardown ?? ""}
  await contract.close();
  console.log("${label}: saved and loaded checkpoint " + checkpoint.id + " through ${store.package}");`;
}

/** Writes the consumers into the project; returns the commands that run or check them. */
function writeConsumers(projectDir, store, dataDir, suffix) {
  const scope = (typed) =>
    `const dataDir${typed ? ": string" : ""} = ${JSON.stringify(dataDir)};\n` +
    `const suffix${typed ? ": string" : ""} = ${JSON.stringify(suffix)};\n` +
    // Referenced so snippets that do not need them still type-check under noUnusedLocals-style settings.
    `void dataDir;\nvoid suffix;\n`;
  const fail = `(error) => {\n  console.error(error);\n  process.exitCode = 1;\n}`;

  writeFileSync(
    join(projectDir, "consumer.mjs"),
    `import { createCheckpointId } from "@lg/core";\nimport { ${store.exportName} } from "${store.package}";\n` +
      `${scope(false)}${roundTripBody(store, "esm consumer", { typed: false })}\n`,
  );
  writeFileSync(
    join(projectDir, "consumer.cjs"),
    `const { createCheckpointId } = require("@lg/core");\nconst { ${store.exportName} } = require("${store.package}");\n` +
      `${scope(false)}async function main() {${roundTripBody(store, "cjs consumer", { typed: false })}\n}\n` +
      `main().catch(${fail});\n`,
  );
  const typedImports =
    `import { createCheckpointId } from "@lg/core";\nimport type { Checkpoint, CheckpointStore } from "@lg/core";\n` +
    `import { ${store.exportName} } from "${store.package}";\n`;
  writeFileSync(
    join(projectDir, "consumer-esm.mts"),
    `${typedImports}${scope(true)}${roundTripBody(store, "typescript esm consumer", { typed: true })}\n`,
  );
  writeFileSync(
    join(projectDir, "consumer-cjs.cts"),
    `${typedImports}${scope(true)}async function main(): Promise<void> {${roundTripBody(store, "typescript cjs consumer", { typed: true })}\n}\n` +
      `main().catch(${fail});\n`,
  );
  writeFileSync(
    join(projectDir, "tsconfig.json"),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noUnusedLocals: true,
          noEmit: true,
          // The consumer's own @types/node: the workspace's copy, so the check needs no registry.
          typeRoots: [join(root, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["consumer-esm.mts", "consumer-cjs.cts"],
      },
      null,
      2,
    )}\n`,
  );
  const tsc = requireFromRoot.resolve("typescript/bin/tsc");
  return [
    { name: "esm consumer", command: process.execPath, args: ["consumer.mjs"] },
    { name: "cjs consumer", command: process.execPath, args: ["consumer.cjs"] },
    { name: "typescript consumers (tsc --noEmit)", command: process.execPath, args: [tsc, "-p", "tsconfig.json"] },
  ];
}

/** Checks one store end to end; returns a list of failures (empty when all went well). */
function checkStore(store, packages, coreTarball, workDir) {
  const failures = [];
  const step = (name, action) => {
    const started = Date.now();
    try {
      const result = action();
      console.log(`    ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return result;
    } catch (error) {
      console.log(`    FAIL ${name}`);
      console.log(String(error instanceof Error ? error.message : error).replace(/^/gm, "         "));
      failures.push(name);
      return undefined;
    }
  };

  const pkg = packages.get(store.package);
  if (!pkg) return [`${store.package} is not a workspace package`];
  const slug = store.package.replace(/^@/, "").replace(/\//g, "-");
  const tarball = step(`pnpm pack ${store.package}`, () => pack(pkg, workDir));
  if (!tarball) return failures;

  // Outside the workspace, so nothing can resolve from the workspace's node_modules.
  const projectDir = mkdtempSync(join(tmpdir(), `lg-check-install-${slug}-`));
  const dataDir = join(projectDir, "data");
  mkdirSync(dataDir);
  writeFileSync(
    join(projectDir, "package.json"),
    `${JSON.stringify({ name: `check-install-${slug}`, version: "0.0.0", private: true }, null, 2)}\n`,
  );
  try {
    const installed = step(`npm install @lg/core + ${store.package} (tarballs only)`, () => {
      run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", coreTarball, tarball], projectDir);
      return installedPackages(projectDir);
    });
    if (!installed) return failures;
    console.log(`         installed: ${installed.join(", ")}`);

    // Drivers of the other backends (and the other stores themselves) must stay out.
    const ownDeps = new Set(Object.keys(pkg.manifest.dependencies ?? {}));
    const foreign = new Set();
    for (const [name, other] of packages) {
      if (name === store.package || !isStorePackage(name)) continue;
      foreign.add(name);
      for (const dep of Object.keys(other.manifest.dependencies ?? {})) if (!ownDeps.has(dep)) foreign.add(dep);
    }
    step("no other backend installed", () => {
      const intruders = installed.filter((name) => foreign.has(name));
      if (intruders.length > 0) throw new Error(`pulled in: ${intruders.join(", ")}`);
    });

    const suffix = randomBytes(6).toString("hex");
    try {
      for (const consumer of writeConsumers(projectDir, store, dataDir, suffix)) {
        const output = step(consumer.name, () => run(consumer.command, consumer.args, projectDir));
        if (output) console.log(output.replace(/^/gm, "         "));
      }
    } finally {
      if (store.cleanup) step("clean up server-side data", () => store.cleanup({ suffix, run: (c, a) => run(c, a, projectDir) }));
    }
  } finally {
    if (process.env.LG_CHECK_INSTALL_KEEP === "1") console.log(`    kept ${projectDir}`);
    else rmSync(projectDir, { recursive: true, force: true });
  }
  return failures;
}

/** A published backend package (the testkit is a store *helper*, not a backend). */
function isStorePackage(name) {
  return name.startsWith("@lg/store-") && name !== "@lg/store-testkit";
}

function main(args) {
  const packages = workspacePackages();
  const selected = args.length > 0 ? STORES.filter((s) => args.includes(s.package)) : STORES;
  const unknown = args.filter((name) => !STORES.some((s) => s.package === name));
  if (unknown.length > 0) {
    console.error(`check-install: no STORES row for ${unknown.join(", ")}`);
    return 2;
  }

  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), "lg-check-install-packs-"));
  const results = [];
  try {
    console.log("check-install: pnpm pack @lg/core");
    let coreTarball;
    try {
      coreTarball = pack(packages.get("@lg/core") ?? { dir: join(root, "packages", "core"), manifest: {} }, workDir);
    } catch (error) {
      console.log(`FAIL pnpm pack @lg/core\n${error instanceof Error ? error.message : error}`);
      return 1;
    }
    for (const store of selected) {
      console.log(`check-install: ${store.package}`);
      results.push({ store: store.package, failures: checkStore(store, packages, coreTarball, workDir) });
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  console.log(`check-install summary (${((Date.now() - started) / 1000).toFixed(1)} s):`);
  for (const { store, failures } of results) {
    console.log(`  ${failures.length === 0 ? "ok  " : "FAIL"} ${store}${failures.length ? `: ${failures.join("; ")}` : ""}`);
  }
  const failed = results.filter((r) => r.failures.length > 0).length;
  console.log(`check-install: ${results.length - failed} of ${results.length} stores install and run on their own`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
