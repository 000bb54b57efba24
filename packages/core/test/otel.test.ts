import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { trace, SpanStatusCode } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { instrumentOpenTelemetry, StoreUnavailableError } from "../src/index.js";
import { forwardStore } from "../src/store-entry.js";
import { instrumentWith } from "../src/telemetry/otel.js";
import { pipeline } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

const run = promisify(execFile);
const dist = join(__dirname, "..", "dist");

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
});

afterEach(() => exporter.reset());

afterAll(async () => {
  trace.disable();
  await provider.shutdown();
});

describe("instrumentOpenTelemetry with @opentelemetry/api installed", () => {
  it("creates a span per step, save and read, with the run's attributes", async () => {
    const instrumentation = await instrumentOpenTelemetry();
    expect(instrumentation.installed).toBe(true);
    try {
      await pipeline({ checkpoint: { store: new MapStore() } }).invoke({}, { executionId: "otel-1" });
    } finally {
      instrumentation.uninstall();
    }
    const spans = exporter.getFinishedSpans();
    const named = (name: string) => spans.filter((s) => s.name === name);
    expect(named("lg.graph.step").map((s) => [s.attributes["lg.step"], s.attributes["lg.node"]])).toEqual([
      [1, "step1"],
      [2, "step2"],
      [3, "step3"],
    ]);
    expect(named("lg.checkpoint.save").map((s) => s.attributes["lg.checkpoint.version"])).toEqual([1, 2, 3, 4]);
    expect(named("lg.checkpoint.save")[1]!.attributes["lg.node"]).toBe("step1");
    expect(named("lg.checkpoint.latest")).toHaveLength(1);
    expect(spans.every((s) => s.attributes["lg.execution_id"] === "otel-1")).toBe(true);
    expect(spans.every((s) => s.status.code !== SpanStatusCode.ERROR)).toBe(true);
  });

  it("marks a failed save's span as an error with its code", async () => {
    const store = forwardStore(new MapStore(), {
      save: async () => {
        throw new StoreUnavailableError("the database is down");
      },
    });
    const instrumentation = await instrumentOpenTelemetry({ tracerName: "test" });
    try {
      await expect(pipeline({ checkpoint: { store } }).invoke({}, { executionId: "otel-2" })).rejects.toThrow();
    } finally {
      instrumentation.uninstall();
    }
    const [save] = exporter.getFinishedSpans().filter((s) => s.name === "lg.checkpoint.save");
    expect(save!.status).toEqual({ code: SpanStatusCode.ERROR, message: "the database is down" });
    expect(save!.attributes["lg.error.code"]).toBe("LG_STORE_UNAVAILABLE");
    expect(save!.events.map((e) => e.name)).toContain("exception");
    expect(save!.instrumentationScope.name).toBe("test");
  });

  it("creates no spans after uninstall", async () => {
    const instrumentation = await instrumentOpenTelemetry();
    instrumentation.uninstall();
    await pipeline({ checkpoint: { store: new MapStore() } }).invoke({}, { executionId: "otel-3" });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

describe("instrumentOpenTelemetry without @opentelemetry/api", () => {
  it("resolves to not installed, subscribes nothing and never throws", async () => {
    const missing = Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: "MODULE_NOT_FOUND" });
    const result = await instrumentWith(() => Promise.reject(missing));
    expect(result).toMatchObject({ installed: false, reason: expect.stringContaining("not installed") });
    result.uninstall();
    await pipeline({ checkpoint: { store: new MapStore() } }).invoke({}, { executionId: "otel-4" });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("says why when the package is there but fails to load", async () => {
    const result = await instrumentWith(() => Promise.reject(new Error("bad build")));
    expect(result).toMatchObject({ installed: false, reason: expect.stringContaining("bad build") });
  });
});

describe("the built package where @opentelemetry/api cannot be found", () => {
  it("imports and resolves to not installed, from the ESM and the CommonJS build", async () => {
    if (!existsSync(join(dist, "index.js")) || !existsSync(join(dist, "index.cjs"))) {
      throw new Error("build @lg/core first (pnpm --filter @lg/core build): this test loads both of its builds");
    }
    // A copy outside the workspace: no node_modules above it holds @opentelemetry/api.
    const dir = mkdtempSync(join(tmpdir(), "lg-no-otel-"));
    try {
      cpSync(dist, dir, { recursive: true });
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
      const report = "(r) => console.log(JSON.stringify(r))";
      const esm = `import { instrumentOpenTelemetry } from ${JSON.stringify(join(dir, "index.js"))}; instrumentOpenTelemetry().then(${report});`;
      const cjs = `require(${JSON.stringify(join(dir, "index.cjs"))}).instrumentOpenTelemetry().then(${report});`;
      for (const [flag, source] of [
        ["--input-type=module", esm],
        ["--input-type=commonjs", cjs],
      ] as const) {
        const { stdout } = await run(process.execPath, [flag, "-e", source], { cwd: dir, timeout: 30_000 });
        expect(JSON.parse(stdout)).toEqual({
          installed: false,
          reason: "@opentelemetry/api is not installed (npm i @opentelemetry/api to get spans)",
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
