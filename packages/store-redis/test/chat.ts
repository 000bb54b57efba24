import type { Checkpoint, CheckpointStore } from "@lg/core";
import { createTestCheckpoint, uniqueId } from "@lg/store-testkit";

/** A chat-like state: a list that grows by appending and a counter rewritten every step. */
export interface Chat {
  messages: unknown[];
  turn: number;
}

/** Writes one execution the way the runtime writes to an incremental store: each step only with what it changed. */
export class ChatWriter {
  /**
   * @param version - the version of the execution's newest checkpoint already stored (the next one saved is one above)
   */
  constructor(
    private readonly store: CheckpointStore,
    readonly executionId = uniqueId("chat"),
    private version = 0,
  ) {}

  /** The execution's first checkpoint, whole. */
  async start(state: Chat = { messages: [], turn: 0 }): Promise<Checkpoint<Chat>> {
    const cp = this.checkpoint(state, undefined);
    await this.store.save(cp);
    return cp;
  }

  /** A checkpoint continuing `parent` that appends `appended` messages and rewrites the turn. */
  async step(parent: Checkpoint<Chat>, appended: unknown[] = [{ n: this.version + 1 }]): Promise<Checkpoint<Chat>> {
    const cp = this.next(parent, appended);
    await this.store.save(cp, {
      changes: { parentId: parent.id, whole: ["turn"], appended: { messages: appended.length } },
    });
    return cp;
  }

  /** The checkpoint {@link step} would save, not saved. */
  next(parent: Checkpoint<Chat>, appended: unknown[]): Checkpoint<Chat> {
    const state = { messages: [...parent.state.messages, ...appended], turn: parent.state.turn + 1 };
    return this.checkpoint(state, parent.id);
  }

  /** `steps` steps after `start`, each appending one message; returns every checkpoint, the first one included. */
  async run(steps: number, text = "m"): Promise<Checkpoint<Chat>[]> {
    const saved = [await this.start()];
    for (let i = 1; i <= steps; i++) saved.push(await this.step(saved[saved.length - 1]!, [{ n: i, text }]));
    return saved;
  }

  private checkpoint(state: Chat, parentId: string | undefined): Checkpoint<Chat> {
    this.version += 1;
    const cp = createTestCheckpoint<Chat>({ executionId: this.executionId, version: this.version, state });
    if (parentId !== undefined) cp.parentId = parentId;
    return cp;
  }
}
