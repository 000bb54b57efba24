import { randomBytes } from "node:crypto";
import { createTestCheckpoint, createCheckpointChain, uniqueId } from "@lg/store-testkit";
import { RedisCheckpointStore } from "@lg/store-redis";
import { openNamespace, type Namespace } from "./helpers.js";
import { CuttingProxy } from "./net-faults.js";
import { SaveResult } from "../src/scripts.js";

/**
 * A connection dropped under the store (`CLIENT KILL`, a server or proxy closing it) costs no call: the call is sent
 * once more on a new connection, as the PostgreSQL store repeats a statement whose connection was lost. Repeating is
 * safe because a save that already landed is recognised as an identical re-save.
 */

let ns: Namespace;
beforeEach(async () => {
  ns = await openNamespace();
});
afterEach(async () => {
  await ns.cleanup();
});

/** `CLIENT LIST` ids of the connections named `name`. */
async function connectionIds(name: string): Promise<string[]> {
  const list = (await ns.command("CLIENT", "LIST")) as string;
  return list
    .split("\n")
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1] as string);
}

function uniqueClientName(): string {
  return `lg-test-${randomBytes(4).toString("hex")}`;
}

/** A store on the test namespace whose connections go through a {@link CuttingProxy}. */
async function storeBehindProxy(): Promise<{ proxy: CuttingProxy; store: RedisCheckpointStore }> {
  const url = new URL(ns.db.url);
  const proxy = await CuttingProxy.start(url.hostname, Number(url.port || 6379));
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  return { proxy, store: new RedisCheckpointStore({ url: url.toString(), prefix: ns.db.prefix }) };
}

describe("a dropped connection", () => {
  it("between saves: the next save reconnects and succeeds on its first call", async () => {
    const name = uniqueClientName();
    const store = ns.store({ clientName: name });
    const [first, second, third] = createCheckpointChain(uniqueId("between"), 3);
    await store.save(first!);
    for (const next of [second!, third!]) {
      const [id] = await connectionIds(name);
      expect(await ns.command("CLIENT", "KILL", "ID", id as string)).toBe(1);
      await store.save(next); // no error: the dead connection is replaced, the save sent (again) on the new one
      const now = await connectionIds(name);
      expect(now).toHaveLength(1);
      expect(now[0]).not.toBe(id);
    }
    expect(await store.list(first!.executionId)).toEqual([first, second, third]);
  });

  it("during saves: every save succeeds once, none is lost or doubled", async () => {
    const name = uniqueClientName();
    const store = ns.store({ clientName: name });
    const chain = createCheckpointChain(uniqueId("during"), 40);
    await store.ping();
    let kills = 0;
    for (const cp of chain) {
      if ((await connectionIds(name)).length === 0) await store.ping(); // the last kill came after the last save
      const [id] = await connectionIds(name);
      const saving = store.save(cp); // the kill below lands before, while or after the script runs
      kills += Number(await ns.command("CLIENT", "KILL", "ID", id as string));
      await saving;
    }
    expect(kills).toBe(chain.length);
    expect(await store.list(chain[0]!.executionId)).toEqual(chain);
    expect(await ns.command("ZCARD", store.keys.executionIndex(chain[0]!.executionId))).toBe(chain.length);
  });

  it("after the save landed but before its answer arrived: the repeat is an identical re-save, not a conflict", async () => {
    const { proxy, store } = await storeBehindProxy();
    try {
      const [first, second] = createCheckpointChain(uniqueId("lost-reply"), 2);
      await store.save(first!); // opens the connection and caches the script on the server
      const swallowed = proxy.swallowNextReply();
      await store.save(second!);
      // the server answered the first attempt "saved": the checkpoint was written before the connection was cut
      expect((await swallowed).toString()).toBe(`:${SaveResult.saved}\r\n`);
      expect(proxy.connections).toBe(2);
      expect(await store.list(first!.executionId)).toEqual([first, second]);
      expect(await ns.command("ZCARD", store.keys.executionIndex(first!.executionId))).toBe(2);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it("a call is repeated only once: a second drop fails it with StoreUnavailableError", async () => {
    const { proxy, store } = await storeBehindProxy();
    try {
      const cp = createTestCheckpoint({ executionId: uniqueId("twice") });
      await store.ping();
      const first = proxy.swallowNextReply();
      const pending = store.save(cp).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      await first;
      await proxy.swallowNextReply(); // the repeat's connection handshake answer is swallowed as well
      const error = await pending;
      expect((error as { code?: string }).code).toBe("LG_STORE_UNAVAILABLE");
      await store.save(cp); // and the next call works again (the first attempt landed: a no-op)
      expect(await store.list(cp.executionId)).toEqual([cp]);
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});
