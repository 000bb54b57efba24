import { appendReducer, type Channels } from "../src/graph/channels.js";
import { applyUpdate } from "../src/graph/channels.js";
import { stateChanges } from "../src/graph/changes.js";

interface Chat {
  messages: string[];
  log: string[];
  topic: string;
  count: number;
}

const channels: Channels<Chat> = {
  messages: { reducer: appendReducer, default: () => [] },
  log: { reducer: (a, b) => [...a, ...b], appends: true, default: () => [] },
  count: { reducer: (a, b) => a + b, default: () => 0 },
};

const start: Chat = { messages: ["hi"], log: [], topic: "t", count: 1 };

describe("stateChanges", () => {
  it("records an appending channel's new items and leaves untouched channels out", () => {
    const next = applyUpdate(channels, start, { messages: ["a", "b"] });
    expect(stateChanges(channels, start, next, "p")).toEqual({ parentId: "p", whole: [], appended: { messages: 2 } });
  });

  it("treats a reducer declared with appends: true like appendReducer", () => {
    const next = applyUpdate(channels, start, { log: ["x"] });
    expect(stateChanges(channels, start, next, "p")?.appended).toEqual({ log: 1 });
  });

  it("writes other changed channels whole, including a new key", () => {
    const next = applyUpdate(channels, start, { count: 2, topic: "u" });
    const changes = stateChanges(channels, start, next, "p");
    expect(changes?.whole.sort()).toEqual(["count", "topic"]);
    expect(changes?.appended).toEqual({});
    const added = applyUpdate(channels, { count: 0 } as Chat, { messages: ["m"] });
    expect(stateChanges(channels, { count: 0 } as Chat, added, "p")).toEqual({
      parentId: "p",
      whole: [],
      appended: { messages: 1 },
    });
  });

  it("writes an appending channel whole when its new value does not begin with the old items", () => {
    const replaced = { ...start, messages: ["other"] };
    expect(stateChanges(channels, start, replaced, "p")?.whole).toEqual(["messages"]);
    const copied = { ...start, messages: [...start.messages.map((m) => `${m}`), "n"] };
    // Equal strings are the same primitive value: a copied prefix of primitives still counts as kept.
    expect(stateChanges(channels, start, copied, "p")?.appended).toEqual({ messages: 1 });
    const objects = { ...start, messages: [{ m: 1 }] as unknown as string[] };
    const deepCopy = { ...objects, messages: [{ m: 1 }, { m: 2 }] as unknown as string[] };
    expect(stateChanges(channels, objects, deepCopy, "p")?.whole).toEqual(["messages"]);
    const shorter = { ...start, messages: [] };
    expect(stateChanges(channels, start, shorter, "p")?.whole).toEqual(["messages"]);
    const notArray = { ...start, messages: "x" as unknown as string[] };
    expect(stateChanges(channels, start, notArray, "p")?.whole).toEqual(["messages"]);
  });

  it("gives up (write the state whole) when a key disappeared", () => {
    const rest: Partial<Chat> = { ...start };
    delete rest.topic;
    expect(stateChanges(channels, start, rest as Chat, "p")).toBeUndefined();
  });

  it("keeps keys like __proto__ plain", () => {
    const parent = JSON.parse('{"__proto__": 1}') as Chat;
    const next = applyUpdate(channels, parent, JSON.parse('{"__proto__": 2}') as Partial<Chat>);
    expect(stateChanges(channels, parent, next, "p")?.whole).toEqual(["__proto__"]);
  });
});

describe("stateChanges with the lengths stored", () => {
  it("catches a list pushed onto in place, same object or not", () => {
    const parent: Chat = { messages: ["a"], log: [], topic: "t", count: 1 };
    const stored = new Map([
      ["messages", 1],
      ["log", 0],
    ]);
    parent.messages.push("pushed"); // a node changed the state it was given
    expect(stateChanges(channels, parent, parent, "p", stored)?.appended).toEqual({ messages: 1 });
    const next = applyUpdate(channels, parent, { messages: ["b"] });
    expect(stateChanges(channels, parent, next, "p", stored)?.appended).toEqual({ messages: 2 });
    const other = { ...parent, topic: "u" };
    (other as { tags?: string[] }).tags = [];
    const plain = new Map([["tags", 3]]);
    expect(stateChanges(channels, other, other, "p", plain)?.whole).toEqual(["tags"]);
  });
});
