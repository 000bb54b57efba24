export { START, END } from "./constants.js";
export { appendReducer, type Reducer, type ChannelSpec, type Channels } from "./channels.js";
export { Command, isCommand, type CommandInit } from "./command.js";
export { isSend, send, Send, type Destination } from "./send.js";
export { interrupt, type NodeContext } from "./interrupt.js";
export { StateGraph, type StateGraphOptions, type GraphSpec, type ConditionalEdge } from "./state-graph.js";
export { CompiledGraph, type GraphInput } from "./compiled-graph.js";
export type * from "./types.js";
export type { RetryPolicy } from "./retry.js";
