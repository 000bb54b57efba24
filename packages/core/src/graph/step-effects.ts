import { EFFECT_NODE } from "../checkpoint.js";
import type { RunCheckpointer } from "./checkpointer.js";
import { StepEffects } from "./effects.js";
import type { NextStep } from "./routing.js";
import type { StepProgress } from "./tasks.js";

/** Where a step stands while its nodes run: what a checkpoint recording a `context.step` outcome keeps. */
export interface RunningStep<S> {
  state: S;
  nodes: string[];
  plan: NextStep;
  step: number;
  progress: StepProgress<S>;
}

/**
 * The `context.step` outcomes of a step: those the base recorded, and a writer that records new ones durably in a
 * checkpoint continuing the step's chain (no pauses: a node that pauses again records its pause when the step ends;
 * the resume answers given so far are kept, so the node runs again as it ran).
 */
export function stepEffects<S>(saver: RunCheckpointer<S>, running: RunningStep<S>): StepEffects {
  const { state, nodes, plan, step, progress } = running;
  const write =
    saver.store === undefined
      ? undefined
      : async (steps: StepProgress<S>["steps"]): Promise<void> => {
          await saver.saveNow({
            nodeName: EFFECT_NODE,
            state,
            next: nodes,
            plan,
            source: "loop",
            step,
            progress: { writes: progress.writes, resumes: progress.resumes, gotos: progress.gotos, steps },
            completesStep: false,
          });
        };
  return new StepEffects(progress.steps ?? {}, write);
}
