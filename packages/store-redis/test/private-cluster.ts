import { createClient, createCluster } from "redis";
import { freePort, PrivateRedis } from "./private-redis.js";

/** A node-redis cluster client (the type `createCluster` returns). */
export type ClusterClient = ReturnType<typeof createCluster>;

/** Three private redis-server processes joined into a Redis Cluster of three masters (no replicas). */
export interface PrivateCluster {
  /** The three nodes; node i serves slots [5462 i, 5462 (i + 1)). */
  nodes: PrivateRedis[];
  /** Sends a command to one node directly (not through the cluster client). */
  onNode(index: number, ...args: (string | number)[]): Promise<unknown>;
  /** The index of the node serving `slot`. */
  nodeOfSlot(slot: number): number;
  /** A connected cluster client. */
  client: ClusterClient;
  /** Closes the client and stops the nodes. */
  dispose(): Promise<void>;
}

const SLOT_RANGES: [number, number][] = [
  [0, 5461],
  [5462, 10923],
  [10924, 16383],
];

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`the private cluster did not reach "${what}" within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts the nodes, assigns the slots, introduces the nodes to each other and waits for `cluster_state:ok`. */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const nodes: PrivateRedis[] = [];
  const admins: ReturnType<typeof createClient>[] = [];
  try {
    for (let i = 0; i < SLOT_RANGES.length; i++) {
      const busPort = await freePort();
      const args = [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
        "--cluster-port",
        String(busPort),
      ];
      nodes.push(await PrivateRedis.start([...args, "--cluster-node-timeout", "3000"]));
      const admin = createClient({ url: (nodes[i] as PrivateRedis).url });
      admin.on("error", () => undefined);
      await admin.connect();
      admins.push(admin);
    }
    const onNode = (index: number, ...args: (string | number)[]): Promise<unknown> =>
      (admins[index] as ReturnType<typeof createClient>).sendCommand(args.map(String));
    for (let i = 0; i < nodes.length; i++) {
      const [from, to] = SLOT_RANGES[i] as [number, number];
      await onNode(i, "CLUSTER", "ADDSLOTSRANGE", from, to);
    }
    for (let i = 1; i < nodes.length; i++) {
      const busPort = (await onNode(i, "CONFIG", "GET", "cluster-port")) as string[];
      await onNode(0, "CLUSTER", "MEET", "127.0.0.1", (nodes[i] as PrivateRedis).port, busPort[1] as string);
    }
    for (let i = 0; i < nodes.length; i++) {
      await waitFor("cluster_state:ok", async () =>
        String(await onNode(i, "CLUSTER", "INFO")).includes("cluster_state:ok"),
      );
    }
    const client = createCluster({ rootNodes: [{ url: (nodes[0] as PrivateRedis).url }] });
    client.on("error", () => undefined);
    await client.connect();
    return {
      nodes,
      onNode,
      client,
      nodeOfSlot: (slot) => SLOT_RANGES.findIndex(([from, to]) => slot >= from && slot <= to),
      async dispose() {
        await client.close();
        for (const admin of admins) await admin.close();
        for (const node of nodes) await node.dispose();
      },
    };
  } catch (error) {
    for (const admin of admins) admin.destroy();
    for (const node of nodes) await node.dispose();
    throw error;
  }
}
