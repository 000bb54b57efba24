export { createWorker, SUBMISSION_METADATA_KEY, type Worker, type WorkerOptions } from "./worker.js";
export { submit, type Submission, type SubmitOptions } from "./submit.js";
export { waitFor, type WaitForOptions } from "./wait-for.js";
export type { WorkerGraph } from "./target.js";
export type { StepCall, StepOptions } from "../graph/effects.js";
