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
 * Then it does the same for `@lg/cli` with each store (see `checkCli`).
 *
 * Usage: `node scripts/check-install.mjs [store package …] [@lg/cli]` (default: every row of STORES, then the CLI
 * with each). Needs `pnpm build`.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
const POSTGRES_URL = 'process.env.POSTGRES_CONN_STRING ?? "postgres://postgres@127.0.0.1:5432/test"';
const REDIS_ADDR = 'process.env.REDIS_ADDR ?? "127.0.0.1:6379"';
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

/**
 * `npm install` of tarballs into an empty project. better-sqlite3 is a native addon, and compiling it in every
 * project took 2-3 minutes each on a busy CI machine: its install script is skipped and the build `pnpm install` made
 * once for the workspace is copied in when it is the same version (the consumers below then load it for real);
 * another version is compiled with `npm rebuild`.
 */
function npmInstall(projectDir, tarballs) {
  const args = ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", "--ignore-scripts"];
  run("npm", [...args, ...tarballs], projectDir);
  const addon = join(projectDir, "node_modules", "better-sqlite3");
  if (!existsSync(addon)) return;
  const { version } = JSON.parse(readFileSync(join(addon, "package.json"), "utf8"));
  const built = join(
    root,
    "node_modules",
    ".pnpm",
    `better-sqlite3@${version}`,
    "node_modules",
    "better-sqlite3",
    "build",
  );
  if (existsSync(join(built, "Release", "better_sqlite3.node")))
    cpSync(built, join(addon, "build"), { recursive: true });
  else run("npm", ["rebuild", "better-sqlite3", "--loglevel=error"], projectDir);
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
  // The store author's entry resolves from the packed package in this module system too.
  if (encodeCheckpoint(checkpoint).id !== checkpoint.id) throw new Error("@lg/core/store's encodeCheckpoint lost the id");
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
    `import { createCheckpointId } from "@lg/core";\nimport { encodeCheckpoint } from "@lg/core/store";\n` +
      `import { ${store.exportName} } from "${store.package}";\n` +
      `${scope(false)}${roundTripBody(store, "esm consumer", { typed: false })}\n`,
  );
  writeFileSync(
    join(projectDir, "consumer.cjs"),
    `const { createCheckpointId } = require("@lg/core");\nconst { encodeCheckpoint } = require("@lg/core/store");\n` +
      `const { ${store.exportName} } = require("${store.package}");\n` +
      `${scope(false)}async function main() {${roundTripBody(store, "cjs consumer", { typed: false })}\n}\n` +
      `main().catch(${fail});\n`,
  );
  const typedImports =
    `import { createCheckpointId } from "@lg/core";\nimport type { Checkpoint, CheckpointStore } from "@lg/core";\n` +
    `import { encodeCheckpoint } from "@lg/core/store";\n` +
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

/** Returns `step(name, action)`: runs `action`, prints ok/FAIL with its duration, records a failure in `failures`. */
function stepper(failures) {
  return (name, action) => {
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
}

/** Checks one store end to end; returns a list of failures (empty when all went well). */
function checkStore(store, packages, coreTarball, workDir) {
  const failures = [];
  const step = stepper(failures);

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
      npmInstall(projectDir, [coreTarball, tarball]);
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
      if (store.cleanup)
        step("clean up server-side data", () => store.cleanup({ suffix, run: (c, a) => run(c, a, projectDir) }));
    }
  } finally {
    if (process.env.LG_CHECK_INSTALL_KEEP === "1") console.log(`    kept ${projectDir}`);
    else rmSync(projectDir, { recursive: true, force: true });
  }
  return failures;
}

/**
 * `@lg/cli` installed alone with one store: per STORES row, the CLI, `@lg/core` and that store's tarballs go into an
 * empty project; no other store may come along (they are optional peers), and the `lg-checkpoints` binary must
 * restore a small backup, run every read command on it, export it again and refuse a URL whose store package is
 * missing with exit code 4. A `memory:` store lives in one process, so that row drives the CLI in-process instead.
 * The URLs use the STORES rows' schema and prefix names, so their `cleanup` removes what the CLI wrote.
 */
const CLI_URLS = {
  "@lg/store-memory": () => "memory:check-install",
  "@lg/store-sqlite": (dataDir) => `sqlite:${dataDir}/cli.db`,
  "@lg/store-postgres": (_dataDir, suffix) =>
    `${process.env.POSTGRES_CONN_STRING ?? "postgres://postgres@127.0.0.1:5432/test"}?schema=lg_check_install_${suffix}`,
  "@lg/store-redis": (_dataDir, suffix) =>
    `redis://${process.env.REDIS_ADDR ?? "127.0.0.1:6379"}?prefix=lg-check-install:${suffix}:`,
};

/** A script that writes backup.jsonl (three checkpoints, one of them a fork) with the installed packages. */
const MAKE_BACKUP = `import { writeFileSync } from "node:fs";
import { createCheckpointId } from "@lg/core";
import { encodeBackupLine } from "@lg/cli";
const executionId = process.argv[2];
const at = (v) => new Date(Date.UTC(2025, 0, 1, 12, 0, v));
const a = { id: createCheckpointId(), executionId, nodeName: "__input__", state: { n: 1, tags: new Set(["a"]) }, metadata: {}, timestamp: at(1), version: 1, next: ["b"] };
const b = { ...a, id: createCheckpointId(), nodeName: "b", state: { n: 2, tags: new Set(["a", "b"]) }, timestamp: at(2), version: 2, parentId: a.id, next: [] };
const c = { ...a, id: createCheckpointId(), nodeName: "__update__", state: { n: 3, tags: new Set() }, timestamp: at(3), version: 3, parentId: a.id, next: ["b"] };
writeFileSync("backup.jsonl", [a, b, c].map((cp) => encodeBackupLine(cp) + "\\n").join(""));
console.log([a.id, b.id, c.id].join(" "));
`;

/** The same commands in one process, for `memory:` (a separate run of the binary would see an empty store). */
const MEMORY_RUN = `import { createReadStream } from "node:fs";
import { PassThrough } from "node:stream";
import { runCli } from "@lg/cli";
const [url, executionId, idA, idB] = process.argv.slice(2);
const sink = () => Object.assign(new PassThrough(), { isTTY: false }).resume();
const io = (stdin) => ({ stdout: sink(), stderr: sink(), stdin, env: { NO_COLOR: "1" } });
const commands = [["import", "-s", url], ["executions", "-s", url], ["history", executionId, "-s", url], ["show", idA, "-s", url],
  ["diff", idA, idB, "-s", url], ["export", "-s", url], ["prune", executionId, "--keep-last", "1", "--dry-run", "-s", url], ["stats", "-s", url]];
for (const args of commands) {
  const code = await runCli(args, io(createReadStream("backup.jsonl")));
  if (code !== 0) throw new Error("lg-checkpoints " + args.join(" ") + " exited with " + code);
}
console.log("in-process: " + commands.length + " commands on " + url);
`;

/**
 * A script that runs the installed binary's `ui`, loads its page with the printed token, the page's script and
 * the executions API, and stops it with SIGTERM: the front end must ship inside the package.
 */
const UI_CHECK = `import { spawn } from "node:child_process";
const [bin, url, executionId] = process.argv.slice(2);
const child = spawn(bin, ["ui", "-s", url], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NO_COLOR: "1" } });
const fail = (message) => { child.kill("SIGKILL"); console.error(message); process.exit(1); };
const timer = setTimeout(() => fail("lg-checkpoints ui printed no URL within 30 s"), 30_000);
let out = "";
child.stdout.on("data", async (chunk) => {
  out += chunk;
  const printed = /Inspector running at (\\S+)/.exec(out)?.[1];
  if (printed === undefined) return;
  child.stdout.removeAllListeners("data");
  clearTimeout(timer);
  const page = await fetch(printed);
  const html = await page.text();
  const script = /src="(\\/assets\\/[^"]+\\.js)"/.exec(html)?.[1];
  if (page.status !== 200 || script === undefined) fail("the page did not load: " + page.status + " " + html.slice(0, 200));
  const token = new URL(printed).searchParams.get("token");
  const auth = { headers: { authorization: "Bearer " + token } };
  const asset = await fetch(new URL(script, printed), auth);
  if (asset.status !== 200) fail("the page's script answered " + asset.status);
  const api = await (await fetch(new URL("/api/executions", printed), auth)).text();
  if (!api.includes(executionId)) fail("the executions API does not list the execution: " + api.slice(0, 200));
  if ((await fetch(new URL("/api/executions", printed))).status !== 401) fail("a request without the token was not refused");
  child.kill("SIGTERM");
  child.on("exit", (code) => {
    if (code !== 0) fail("lg-checkpoints ui exited with " + code + " on SIGTERM");
    console.log("ui: page, script and API served from the package, stopped cleanly");
  });
});
`;

/** Runs the installed binary; returns its status and output without throwing. */
function runBinary(projectDir, args, input) {
  const result = spawnSync(join(projectDir, "node_modules", ".bin", "lg-checkpoints"), args, {
    cwd: projectDir,
    encoding: "utf8",
    input: input ?? "",
    timeout: STEP_TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return {
    status: result.status,
    stdout: result.stdout ?? "",
    stderr: `${result.stderr ?? ""}${result.error ? result.error.message : ""}`,
  };
}

/** Runs `lg-checkpoints …args` and throws unless it exits 0; returns its stdout. */
function lgCheckpoints(projectDir, args, input) {
  const result = runBinary(projectDir, args, input);
  if (result.status !== 0)
    throw new Error(`lg-checkpoints ${args.join(" ")} exited with ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** Checks `@lg/cli` installed with one store; returns a list of failures. */
function checkCli(store, packages, tarballs, workDir) {
  const failures = [];
  const step = stepper(failures);
  // A folder of its own: the store's own check may already have packed the same tarball name into workDir.
  const storeTarball = step(`pnpm pack ${store.package}`, () =>
    pack(packages.get(store.package), mkdtempSync(join(workDir, "cli-"))),
  );
  if (!storeTarball) return failures;
  const projectDir = mkdtempSync(join(tmpdir(), "lg-check-install-cli-"));
  const dataDir = join(projectDir, "data");
  mkdirSync(dataDir);
  writeFileSync(
    join(projectDir, "package.json"),
    `${JSON.stringify({ name: "check-install-cli", version: "0.0.0", private: true, type: "module" }, null, 2)}\n`,
  );
  const suffix = randomBytes(6).toString("hex");
  try {
    const installed = step(`npm install @lg/core + @lg/cli + ${store.package} (tarballs only)`, () => {
      npmInstall(projectDir, [tarballs.core, tarballs.cli, storeTarball]);
      return installedPackages(projectDir);
    });
    if (!installed) return failures;
    console.log(`         installed: ${installed.join(", ")}`);
    step("no other store installed (they are optional peers)", () => {
      const others = installed.filter((name) => isStorePackage(name) && name !== store.package);
      if (others.length > 0) throw new Error(`pulled in: ${others.join(", ")}`);
    });
    const url = CLI_URLS[store.package](dataDir, suffix);
    const executionId = `check-install-${suffix}`;
    writeFileSync(join(projectDir, "make-backup.mjs"), MAKE_BACKUP);
    const ids = step("write a backup with the installed library", () =>
      run(process.execPath, ["make-backup.mjs", executionId], projectDir).split(" "),
    );
    if (!ids) return failures;
    try {
      if (store.package === "@lg/store-memory") {
        writeFileSync(join(projectDir, "memory-run.mjs"), MEMORY_RUN);
        step("every command in-process on memory:", () =>
          console.log(
            `         ${run(process.execPath, ["memory-run.mjs", url, executionId, ids[0], ids[2]], projectDir)}`,
          ),
        );
      } else {
        step("lg-checkpoints import, executions, history, show, diff, export, prune --dry-run, stats, ping", () => {
          const backup = readFileSync(join(projectDir, "backup.jsonl"), "utf8");
          lgCheckpoints(projectDir, ["import", "-s", url], backup);
          lgCheckpoints(projectDir, ["import", "-s", url], backup); // idempotent
          if (!lgCheckpoints(projectDir, ["executions", "-s", url]).includes(executionId))
            throw new Error("executions does not list the execution");
          if (!lgCheckpoints(projectDir, ["history", executionId, "-s", url]).includes("(fork)"))
            throw new Error("history shows no fork");
          lgCheckpoints(projectDir, ["show", ids[1], "-s", url]);
          if (!lgCheckpoints(projectDir, ["diff", ids[0], ids[1], "-s", url]).includes("~ n: 1 → 2"))
            throw new Error("diff misses n");
          const exported = lgCheckpoints(projectDir, ["export", "--execution", executionId, "-s", url]);
          if (exported.trim().split("\n").length !== 3)
            throw new Error(`export wrote ${exported.trim().split("\n").length} lines, not 3`);
          // The whole store, read by worker threads (the package's dist/worker.js, loading the installed store).
          const all = runBinary(projectDir, ["export", "--jobs", "2", "-s", url]);
          if (all.status !== 0 || !/ by 2 threads\n$/.test(all.stderr))
            throw new Error(`export --jobs 2 exited with ${all.status}, not by 2 threads: ${all.stderr}`);
          if (
            !exported
              .trim()
              .split("\n")
              .every((line) => all.stdout.includes(line))
          )
            throw new Error("export --jobs 2 misses lines that export --execution wrote");
          lgCheckpoints(projectDir, ["prune", executionId, "--keep-last", "1", "--dry-run", "-s", url]);
          lgCheckpoints(projectDir, ["stats", "-s", url]);
          lgCheckpoints(projectDir, ["ping", "-s", url]);
        });
        writeFileSync(join(projectDir, "ui-check.mjs"), UI_CHECK);
        step("lg-checkpoints ui serves the packaged inspector", () => {
          const bin = join(projectDir, "node_modules", ".bin", "lg-checkpoints");
          console.log(`         ${run(process.execPath, ["ui-check.mjs", bin, url, executionId], projectDir)}`);
        });
      }
      step("a missing store package is named, exit code 4", () => {
        const other =
          store.package === "@lg/store-memory"
            ? { url: "sqlite:x.db", name: "@lg/store-sqlite" }
            : { url: "memory:", name: "@lg/store-memory" };
        const result = runBinary(projectDir, ["ping", "-s", other.url]);
        if (result.status !== 4 || !result.stderr.includes(`npm install ${other.name}`)) {
          throw new Error(`expected exit 4 naming ${other.name}, got ${result.status}: ${result.stderr}`);
        }
      });
    } finally {
      if (store.cleanup)
        step("clean up server-side data", () => store.cleanup({ suffix, run: (c, a) => run(c, a, projectDir) }));
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
  // `@lg/cli` alone checks the CLI with every store; with store names too, with those stores only.
  const cliRequested = args.length === 0 || args.includes("@lg/cli");
  const storeArgs = args.filter((name) => name !== "@lg/cli");
  const selected = args.length > 0 ? STORES.filter((s) => storeArgs.includes(s.package)) : STORES;
  const cliStores = storeArgs.length > 0 ? selected : STORES;
  const unknown = storeArgs.filter((name) => !STORES.some((s) => s.package === name));
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
    if (cliRequested) {
      console.log("check-install: pnpm pack @lg/cli");
      const cli = packages.get("@lg/cli");
      const cliTarball = cli ? pack(cli, workDir) : undefined;
      for (const store of cliTarball ? cliStores : []) {
        console.log(`check-install: @lg/cli with ${store.package}`);
        const tarballs = { core: coreTarball, cli: cliTarball };
        results.push({ store: `@lg/cli + ${store.package}`, failures: checkCli(store, packages, tarballs, workDir) });
      }
      if (!cliTarball) results.push({ store: "@lg/cli", failures: ["not a workspace package"] });
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  console.log(`check-install summary (${((Date.now() - started) / 1000).toFixed(1)} s):`);
  for (const { store, failures } of results) {
    console.log(
      `  ${failures.length === 0 ? "ok  " : "FAIL"} ${store}${failures.length ? `: ${failures.join("; ")}` : ""}`,
    );
  }
  const failed = results.filter((r) => r.failures.length > 0).length;
  console.log(`check-install: ${results.length - failed} of ${results.length} stores install and run on their own`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
