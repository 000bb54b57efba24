import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { CheckpointStore } from "@lg/core";
import type { BackendEnv, BackendName } from "./backends.js";
import { openRawDriver } from "./raw/open.js";
import type { RawDriver } from "./raw/types.js";
import type { Unavailable } from "./results.js";
import { openLangGraphSaver, type OpenedSaver } from "./systems/langgraph-savers.js";
import { openLgStore } from "./systems/lg-stores.js";

/** The three systems opened on one backend. */
export interface Subjects {
  /** The backend. */
  backend: BackendName;
  /** @lg's store. */
  lg: CheckpointStore;
  /** LangGraph JS's saver, or undefined when it cannot run here (see `unavailable`). */
  langgraph: BaseCheckpointSaver | undefined;
  /** The raw driver floor. */
  raw: RawDriver;
  /** Systems that could not be opened, and why. */
  unavailable: Unavailable[];
  /** Closes all three (the run's schemas, keys and files are removed by `removeRunData`). */
  close(): Promise<void>;
}

/** Opens @lg's store, LangGraph's saver (unless skipped) and the raw driver on `backend`. */
export async function openSubjects(backend: BackendName, env: BackendEnv, skipLangGraph = false): Promise<Subjects> {
  const lg = await openLgStore(backend, env);
  const saver: OpenedSaver = skipLangGraph
    ? { unavailable: "skipped (--skip-langgraph)" }
    : await openLangGraphSaver(backend, env);
  const raw = await openRawDriver(backend, env);
  const unavailable: Unavailable[] = [];
  if ("unavailable" in saver) {
    unavailable.push({ backend, system: "langgraph", reason: saver.unavailable });
    unavailable.push({ backend, system: "langgraphAsync", reason: saver.unavailable });
  }
  return {
    backend,
    lg: lg.store,
    langgraph: "saver" in saver ? saver.saver : undefined,
    raw,
    unavailable,
    close: async () => {
      await lg.dispose();
      if ("saver" in saver) await saver.dispose();
      await raw.close();
    },
  };
}
