import type { CheckpointStore } from "@lg/core";
import { openStore, type OpenStoreOptions } from "../open-store.js";
import { STORE_URL_ENV, type StoreTarget } from "../store-url.js";
import type { CliIo } from "./io.js";
import { colorsFor, type Colors } from "./output.js";

/**
 * What every command action gets: the run's streams, its colours, and a way to use a store that always closes it.
 *
 * @packageDocumentation
 */

/** The context of one CLI run. */
export interface CommandContext {
  /** Streams and environment. */
  io: CliIo;
  /** Colours for stdout. */
  out: Colors;
  /** Colours for stderr. */
  err: Colors;
  /** Whether stdout gets colour (for `util.inspect`). */
  outColor: boolean;
}

/** Creates the context of a run. */
export function createContext(io: CliIo): CommandContext {
  const out = colorsFor(io.stdout, io.env);
  return { io, out, err: colorsFor(io.stderr, io.env), outColor: out.isColorSupported };
}

/** The store URL of a command: `--store`, else `LG_STORE_URL`. */
export function storeUrlOf(ctx: CommandContext, option: string | undefined): string | undefined {
  return option ?? ctx.io.env[STORE_URL_ENV];
}

/** Opens the store at `url`, runs `action` with it, and closes it however `action` ends. */
export async function withStore<T>(
  url: string | undefined,
  options: OpenStoreOptions,
  action: (store: CheckpointStore, target: StoreTarget) => Promise<T>,
): Promise<T> {
  const { store, target } = await openStore(url ?? "", options);
  try {
    return await action(store, target);
  } finally {
    await store.close().catch(() => undefined);
  }
}
