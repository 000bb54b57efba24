import { tracingChannel } from "node:diagnostics_channel";
import { LOAD_CHANNEL, PRUNE_CHANNEL, SAVE_CHANNEL, STEP_CHANNEL } from "../tracing.js";
import { spanAttributes, spanName, type TracedContext } from "./span-attributes.js";

/** Options of {@link instrumentOpenTelemetry}. */
export interface OpenTelemetryOptions {
  /** The tracer's name (default `"@lg/core"`). */
  tracerName?: string;
  /** The tracer's version, if you want it on the spans' scope. */
  tracerVersion?: string;
}

/** What {@link instrumentOpenTelemetry} resolved to: spans are being created, or why not. */
export type OpenTelemetryInstrumentation =
  | {
      /** `@opentelemetry/api` was loaded and the channels are subscribed. */
      installed: true;
      /** Unsubscribes from the channels; spans already started still end. */
      uninstall(): void;
    }
  | {
      /** `@opentelemetry/api` could not be loaded (it is an optional peer of `@lg/core`); nothing was subscribed. */
      installed: false;
      /** Why, e.g. `@opentelemetry/api is not installed (npm i @opentelemetry/api)`. */
      reason: string;
      /** Does nothing (kept so that callers can always call it). */
      uninstall(): void;
    };

/** The part of a span this module uses (structural, so `@opentelemetry/api`'s types never reach our public types). */
interface SpanLike {
  setAttribute(key: string, value: string | number): unknown;
  recordException(exception: Error | string): void;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The part of `@opentelemetry/api` this module uses. */
export interface OtelApiLike {
  trace: {
    getTracer(
      name: string,
      version?: string,
    ): {
      startSpan(name: string, options?: { attributes?: Record<string, string | number | string[]> }): SpanLike;
    };
  };
  SpanStatusCode: { ERROR: number };
}

/** Loads `@opentelemetry/api` from the application's dependencies. */
export type OtelLoader = () => Promise<OtelApiLike>;

// A literal specifier in a dynamic import: bundlers leave an optional peer alone, and nothing loads it until called.
const loadOtelApi: OtelLoader = async () => (await import("@opentelemetry/api")) as unknown as OtelApiLike;

const TRACED_CHANNELS = [SAVE_CHANNEL, LOAD_CHANNEL, PRUNE_CHANNEL, STEP_CHANNEL] as const;

/**
 * Creates an OpenTelemetry span for every save, load, prune and super-step the runtime traces (see `SAVE_CHANNEL`
 * and the other channels), with the execution id, version, node, step and error code as attributes. The spans use
 * the global tracer provider and the active context, so they nest under the application's own spans.
 *
 * `@opentelemetry/api` is loaded on demand: when the application does not have it, this resolves to
 * `{ installed: false, reason }` and subscribes nothing; it never throws. Call it once per process.
 */
export async function instrumentOpenTelemetry(
  options: OpenTelemetryOptions = {},
): Promise<OpenTelemetryInstrumentation> {
  return instrumentWith(loadOtelApi, options);
}

/** {@link instrumentOpenTelemetry} with the loader given (tests use it to stand for a missing package). */
export async function instrumentWith(
  load: OtelLoader,
  options: OpenTelemetryOptions = {},
): Promise<OpenTelemetryInstrumentation> {
  let api: OtelApiLike;
  try {
    api = await load();
  } catch (error) {
    return { installed: false, reason: notLoadedReason(error), uninstall: () => undefined };
  }
  const tracer = api.trace.getTracer(options.tracerName ?? "@lg/core", options.tracerVersion);
  const spans = new WeakMap<object, SpanLike>();
  const finish = (context: object): void => {
    spans.get(context)?.end();
    spans.delete(context);
  };
  const handlers = {
    start: (context: object) => {
      const traced = context as TracedContext;
      spans.set(context, tracer.startSpan(spanName(traced), { attributes: spanAttributes(traced) }));
    },
    error: (context: object) => {
      const span = spans.get(context);
      const error = (context as TracedContext).error;
      if (span === undefined) return;
      const code = errorCode(error);
      if (code !== undefined) span.setAttribute("lg.error.code", code);
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: api.SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    },
    // A call that threw before returning its promise ends here; one that settled ends at asyncEnd.
    end: (context: object) => {
      if ("error" in context) finish(context);
    },
    asyncStart: () => undefined,
    asyncEnd: finish,
  };
  const channels = TRACED_CHANNELS.map((name) => tracingChannel<unknown, object>(name));
  for (const channel of channels) channel.subscribe(handlers);
  return { installed: true, uninstall: () => channels.forEach((channel) => channel.unsubscribe(handlers)) };
}

function notLoadedReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
    return "@opentelemetry/api is not installed (npm i @opentelemetry/api to get spans)";
  }
  return `@opentelemetry/api could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}
