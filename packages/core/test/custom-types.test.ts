import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  appendReducer,
  CheckpointCorruptError,
  Command,
  decodeValue,
  deserialize,
  encodeValue,
  END,
  interrupt,
  InvalidArgumentError,
  registerType,
  SerializationError,
  serialize,
  START,
  StateGraph,
  unregisterType,
  type CustomType,
} from "../src/index.js";
import { isTagFree, TAG } from "../src/store-entry.js";
import { MapStore } from "./support/map-store.js";

/** A LangChain-message-like class: what a chat graph keeps in its state. */
class AIMessage {
  constructor(
    readonly content: string,
    readonly toolCalls: { name: string; args: Record<string, unknown> }[] = [],
    readonly sentAt = new Date(0),
  ) {}

  toJSON(): unknown {
    return { type: "ai", content: this.content };
  }
}

type StoredMessage = { content: string; toolCalls: AIMessage["toolCalls"]; sentAt: Date };

const aiMessageType: CustomType<AIMessage, StoredMessage> = {
  name: "AIMessage",
  isApplicable: (value) => value instanceof AIMessage,
  serialize: (m) => ({ content: m.content, toolCalls: m.toolCalls, sentAt: m.sentAt }),
  deserialize: (s) => new AIMessage(s.content, s.toolCalls, s.sentAt),
};

const registered: string[] = [];

/** Registers a type for the current test only (the registry is process-wide). */
function register<T, S>(type: CustomType<T, S>, options?: { override?: boolean }): void {
  registerType(type, options);
  registered.push(type.name);
}

afterEach(() => {
  for (const name of registered.splice(0)) unregisterType(name);
});

const message = () => new AIMessage("hi", [{ name: "search", args: { q: "lg", limit: 3n } }], new Date(5));

describe("registerType", () => {
  it("refuses malformed definitions with InvalidArgumentError", () => {
    expect(() => registerType({ ...aiMessageType, name: "" })).toThrow(InvalidArgumentError);
    expect(() => registerType({ ...aiMessageType, name: 3 as unknown as string })).toThrow(/non-empty string/);
    expect(() => registerType({ ...aiMessageType, serialize: undefined as unknown as () => StoredMessage })).toThrow(
      /serialize of type "AIMessage" must be a function/,
    );
    expect(() => registerType(null as unknown as CustomType<unknown>)).toThrow(InvalidArgumentError);
  });

  it("accepts the same definition twice, refuses a different one unless override, and replaces it in place", () => {
    register(aiMessageType);
    register({ ...aiMessageType });
    const other = { ...aiMessageType, serialize: (m: AIMessage) => ({ ...m, content: m.content.toUpperCase() }) };
    expect(() => registerType(other)).toThrow(
      expect.objectContaining({ code: "LG_INVALID_ARGUMENT", message: expect.stringMatching(/override: true/) }),
    );
    expect((decodeValue(encodeValue(message())) as AIMessage).content).toBe("hi");
    register(other, { override: true });
    expect((decodeValue(encodeValue(message())) as AIMessage).content).toBe("HI");
  });

  it("unregisterType says whether there was a type; an unregistered class is refused again", () => {
    register(aiMessageType);
    expect(unregisterType("AIMessage")).toBe(true);
    expect(unregisterType("AIMessage")).toBe(false);
    expect(() => encodeValue({ m: message() }, "state")).toThrow(/state\.m: instances of AIMessage/);
  });
});

describe("custom types round-trip as themselves", () => {
  it("through encodeValue/decodeValue and serialize/deserialize, nested in objects, arrays, Maps and Sets", () => {
    register(aiMessageType);
    const value = {
      chat: { messages: [message(), new AIMessage("bye")] },
      byUser: new Map([["ann", message()]]),
      seen: new Set([message()]),
    };
    for (const back of [decodeValue(encodeValue(value)), deserialize(serialize(value))] as (typeof value)[]) {
      expect(back.chat.messages[0]).toBeInstanceOf(AIMessage);
      expect(back.chat.messages[1]).toEqual(new AIMessage("bye"));
      expect(back.byUser.get("ann")).toBeInstanceOf(AIMessage);
      expect([...back.seen][0]).toBeInstanceOf(AIMessage);
      expect(back).toEqual(value);
    }
  });

  it("keeps the serialized form lossless: a Date and a BigInt inside it come back as themselves", () => {
    register(aiMessageType);
    const back = deserialize(serialize(message())) as AIMessage;
    expect(back.sentAt).toBeInstanceOf(Date);
    expect(back.sentAt.getTime()).toBe(5);
    expect(back.toolCalls[0]?.args.limit).toBe(3n);
  });

  it("stores a tagged object that names the type, and escapes user data that looks like one", () => {
    register(aiMessageType);
    expect(encodeValue(new AIMessage("x"))).toEqual({
      [TAG]: "type",
      n: "AIMessage",
      v: { content: "x", toolCalls: [], sentAt: { [TAG]: "date", v: "1970-01-01T00:00:00.000Z" } },
    });
    const lookalike = { [TAG]: "type", n: "AIMessage", v: { content: "not a message" } };
    expect(deserialize(serialize({ lookalike }))).toEqual({ lookalike });
    expect(isTagFree(serialize(new AIMessage("x")))).toBe(false);
  });

  it("tries registered types in registration order, before the built-in kinds", () => {
    class Tagged extends Map<string, number> {}
    register({
      name: "Tagged",
      isApplicable: (v) => v instanceof Tagged,
      serialize: (m: Tagged) => [...m],
      deserialize: (entries: [string, number][]) => new Tagged(entries),
    });
    register({ name: "AnyMap", isApplicable: (v) => v instanceof Map, serialize: () => 0, deserialize: () => "any" });
    const back = decodeValue(encodeValue({ t: new Tagged([["a", 1]]), m: new Map() })) as { t: unknown; m: unknown };
    expect(back.t).toBeInstanceOf(Tagged);
    expect(back.t).toEqual(new Tagged([["a", 1]]));
    expect(back.m).toBe("any");
  });

  it("holds one registered type inside another", () => {
    class Thread {
      constructor(readonly messages: AIMessage[]) {}
    }
    register(aiMessageType);
    register({
      name: "Thread",
      isApplicable: (v) => v instanceof Thread,
      serialize: (t: Thread) => t.messages,
      deserialize: (messages: AIMessage[]) => new Thread(messages),
    });
    const back = deserialize(serialize(new Thread([message()]))) as Thread;
    expect(back).toBeInstanceOf(Thread);
    expect(back.messages[0]).toBeInstanceOf(AIMessage);
  });
});

describe("custom type failures", () => {
  it("refuses an unregistered class with toJSON, naming the path and registerType", () => {
    let error: unknown;
    try {
      encodeValue({ chat: [new AIMessage("hi")] }, "state");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as SerializationError).path).toBe("state.chat[0]");
    expect((error as Error).message).toBe(
      "cannot serialize state.chat[0]: instances of AIMessage would be stored through toJSON and come back as " +
        "plain objects; register the class with registerType({ name, isApplicable, serialize, deserialize }) from " +
        "@lg/core so they come back as themselves",
    );
  });

  it("an unknown type name on load is CheckpointCorruptError naming the type and saying to register it", () => {
    register(aiMessageType);
    const text = serialize({ m: message() });
    unregisterType("AIMessage");
    expect(() => deserialize(text)).toThrow(CheckpointCorruptError);
    expect(() => deserialize(text)).toThrow(
      /value of type "AIMessage", which is not registered in this process; call registerType\(\{ name: "AIMessage"/,
    );
    expect(() => decodeValue({ [TAG]: "type", v: 1 })).toThrow(/a custom type tag without a name/);
    expect(() => decodeValue({ [TAG]: "type", n: "AIMessage" })).toThrow(CheckpointCorruptError);
  });

  it("turns errors of the type's own functions into SerializationError at the path, or CheckpointCorruptError", () => {
    register({
      name: "AIMessage",
      isApplicable: (v) => v instanceof AIMessage,
      serialize: (m: AIMessage) => {
        if (m.content === "") throw new Error("empty message");
        return m.content;
      },
      deserialize: (content: string) => {
        if (content === "bad") throw new Error("bad content");
        return new AIMessage(content);
      },
    });
    expect(() => encodeValue({ m: new AIMessage("") }, "state")).toThrow(
      expect.objectContaining({
        path: "state.m",
        message: 'cannot serialize state.m: serialize of type "AIMessage" threw: empty message',
      }),
    );
    expect(() => deserialize(serialize(new AIMessage("bad")))).toThrow(
      expect.objectContaining({
        code: "LG_CHECKPOINT_CORRUPT",
        detail: 'deserialize of type "AIMessage" threw: bad content',
      }),
    );
  });

  it("refuses a serialize that returns a value of its own type instead of recursing forever", () => {
    register({ ...aiMessageType, serialize: (m: AIMessage) => new AIMessage(m.content) as unknown as StoredMessage });
    expect(() => encodeValue([message()], "state")).toThrow(
      /state\[0\]: serialize of type "AIMessage" returned a value of that same type/,
    );
  });
});

describe("custom types in a graph's state", () => {
  it("survive a pause and a resume through a store as instances of their class", async () => {
    register(aiMessageType);
    const store = new MapStore();
    type Chat = { messages: AIMessage[]; approved?: boolean };
    const seen: unknown[] = [];
    const app = new StateGraph<Chat>({ channels: { messages: { reducer: appendReducer, default: () => [] } } })
      .addNode("answer", () => ({ messages: [message()] }))
      .addNode("review", (s) => {
        seen.push(s.messages[0]);
        return { approved: interrupt<boolean>("send?") };
      })
      .addEdge(START, "answer")
      .addEdge("answer", "review")
      .addEdge("review", END)
      .compile({ checkpoint: { store } });
    expect((await app.invoke({}, { executionId: "chat" })).status).toBe("interrupted");
    const stored = JSON.stringify([...store.rows.values()].map((row) => row.state));
    expect(stored).toContain('"$lg":"type","n":"AIMessage"');
    const done = await app.invoke(new Command({ resume: true }), { executionId: "chat" });
    expect(done.status).toBe("done");
    expect(done.state.messages[0]).toBeInstanceOf(AIMessage);
    expect(done.state.messages[0]).toEqual(message());
    // The resumed run read the message back from the store: the node saw an AIMessage both times.
    expect(seen).toHaveLength(2);
    for (const m of seen) expect(m).toBeInstanceOf(AIMessage);
  });

  it("a Buffer in the state stays a Buffer", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ file?: Buffer }>({})
      .addNode("read", () => ({ file: Buffer.from("%PDF") }))
      .addEdge(START, "read")
      .addEdge("read", END)
      .compile({ checkpoint: { store } });
    await app.invoke({}, { executionId: "file" });
    const file = ((await store.latest("file"))?.state as { file?: Buffer } | undefined)?.file;
    expect(Buffer.isBuffer(file)).toBe(true);
    expect(String(file)).toBe("%PDF");
  });
});

describe("one registry for the ESM and the CommonJS build in one process", () => {
  const dist = join(__dirname, "..", "dist");

  it("a type registered through one build round-trips through the other", () => {
    // Both builds are loaded natively in a child process: jest's module sandbox has a global object of its own.
    const built = existsSync(join(dist, "index.cjs")) && readFileSync(join(dist, "index.js"), "utf8");
    if (built === false || !built.includes("registerType")) {
      throw new Error("packages/core/dist is missing or stale: run `pnpm --filter @lg/core build` first");
    }
    const script = `
      import { createRequire } from "node:module";
      const esm = await import(${JSON.stringify(join(dist, "index.js"))});
      const cjs = createRequire(import.meta.url)(${JSON.stringify(join(dist, "index.cjs"))});
      class Money { constructor(cents) { this.cents = cents; } }
      const type = {
        name: "Money",
        isApplicable: (v) => v instanceof Money,
        serialize: (m) => BigInt(m.cents),
        deserialize: (cents) => new Money(Number(cents)),
      };
      esm.registerType(type);
      const text = cjs.serialize({ price: new Money(250) });
      const viaCjs = cjs.deserialize(text);
      const viaEsm = esm.deserialize(text);
      let conflict = "none";
      try { cjs.registerType({ ...type, deserialize: () => null }); } catch (e) { conflict = e.code; }
      cjs.unregisterType("Money");
      let missing = "none";
      try { esm.deserialize(text); } catch (e) { missing = e.code; }
      console.log(JSON.stringify({
        distinctBuilds: esm.serialize !== cjs.serialize,
        text,
        cjsIsMoney: viaCjs.price instanceof Money && viaCjs.price.cents === 250,
        esmIsMoney: viaEsm.price instanceof Money,
        conflict,
        missing,
      }));
    `;
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(JSON.parse(output)).toEqual({
      distinctBuilds: true,
      text: '{"price":{"$lg":"type","n":"Money","v":{"$lg":"bigint","v":"250"}}}',
      cjsIsMoney: true,
      esmIsMoney: true,
      conflict: "LG_INVALID_ARGUMENT",
      missing: "LG_CHECKPOINT_CORRUPT",
    });
  });
});
