import { mkdirSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { createTestCheckpoint } from "@lg/store-testkit";
import { postgresForTests, type PostgresTestDatabase } from "@lg/store-testkit";
import type { Checkpoint, CheckpointStore } from "@lg/core";
import { PostgresCheckpointStore } from "@lg/store-postgres";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { startInspector, type Inspector } from "../src/ui/server.js";
import { seedExecution, tempDir } from "./helpers.js";

/** One HTTP answer. */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with full control of the headers (fetch would not let a test send a foreign Host). */
function get(inspector: Inspector, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(path, inspector.origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host: url.host, ...headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const bearer = (inspector: Inspector): Record<string, string> => ({ authorization: `Bearer ${inspector.token}` });

/** A parsed API answer; tests reach into it freely, the assertions check the shapes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field and asserted
type Json = any;

async function api(inspector: Inspector, path: string): Promise<{ status: number; json: Json }> {
  const answer = await get(inspector, path, bearer(inspector));
  return { status: answer.status, json: JSON.parse(answer.body) };
}

interface Subject {
  store: CheckpointStore;
  cleanup(): Promise<void>;
}

const backends: [string, () => Promise<Subject>][] = [
  [
    "SQLite",
    async () => {
      const files = tempDir();
      const store = new SqliteCheckpointStore({ path: join(files.dir, "c.db") });
      return {
        store,
        cleanup: async () => {
          await store.close();
          files.remove();
        },
      };
    },
  ],
  [
    "PostgreSQL",
    async () => {
      const db: PostgresTestDatabase = await postgresForTests();
      const store = new PostgresCheckpointStore({ connString: db.url, schema: db.schema, poolSize: 2 });
      await store.setup();
      return {
        store,
        cleanup: async () => {
          await store.close();
          await db.cleanup();
        },
      };
    },
  ],
];

describe.each(backends)("inspector server on %s", (_name, open) => {
  let subject: Subject | undefined;
  let inspector: Inspector | undefined;
  let assets: ReturnType<typeof tempDir> | undefined;
  let chain: Checkpoint[];

  beforeAll(async () => {
    subject = await open();
    assets = tempDir();
    mkdirSync(join(assets.dir, "assets"));
    writeFileSync(join(assets.dir, "index.html"), "<!doctype html><title>inspector</title>");
    writeFileSync(join(assets.dir, "assets", "app-1234.js"), "console.log(1)");
    chain = await seedExecution(subject.store, 4, { fork: true, executionId: "order-42" });
    await seedExecution(subject.store, 2, { executionId: "invoice-7" });
    inspector = await startInspector({ store: subject.store, assetsDir: assets.dir, pollMs: 50 });
  });

  afterAll(async () => {
    await inspector?.close();
    await subject?.cleanup();
    assets?.remove();
  });

  const running = (): Inspector => {
    if (inspector === undefined) throw new Error("the inspector did not start");
    return inspector;
  };

  it("listens on the loopback interface with a random token in its URL", () => {
    const { url, origin, token } = running();
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(token).toMatch(/^[\w-]{32}$/);
    expect(url).toBe(`${origin}/?token=${token}`);
  });

  it("refuses a request without the token, or with a wrong one, and tells nothing of the store", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer nope" },
      { cookie: "lg_inspector_token=nope" },
    ];
    for (const headers of attempts) {
      const answer = await get(running(), "/api/executions", headers);
      expect(answer.status).toBe(401);
      expect(answer.body).not.toContain("order-42");
    }
    expect((await get(running(), "/")).status).toBe(401);
    expect((await get(running(), "/api/executions?token=wrong")).status).toBe(401);
  });

  it("refuses a Host that is not the server's own (DNS rebinding)", async () => {
    const answer = await get(running(), "/api/executions", { ...bearer(running()), host: "evil.example:80" });
    expect(answer.status).toBe(403);
  });

  it("lets the printed URL in once and keeps the token in a strict HttpOnly cookie", async () => {
    const first = await get(running(), `/?token=${running().token}`);
    expect(first.status).toBe(200);
    expect(first.body).toContain("<title>inspector</title>");
    const cookie = String(first.headers["set-cookie"]);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    const later = await get(running(), "/api/executions", { cookie: cookie.split(";")[0] as string });
    expect(later.status).toBe(200);
    expect(first.headers["x-frame-options"]).toBe("DENY");
  });

  it("lists executions newest first, pages them and searches by id", async () => {
    const all = await api(running(), "/api/executions");
    expect(all.status).toBe(200);
    expect(all.json.total).toBe(2);
    expect(all.json.executions.map((e: { executionId: string }) => e.executionId).sort()).toEqual([
      "invoice-7",
      "order-42",
    ]);
    const page = await api(running(), "/api/executions?limit=1&offset=1");
    expect(page.json.executions).toHaveLength(1);
    const found = await api(running(), "/api/executions?q=ORDER");
    expect(found.json.executions.map((e: { executionId: string }) => e.executionId)).toEqual(["order-42"]);
    expect(found.json.total).toBe(1);
  });

  it("answers an execution's history with its fork as a branch", async () => {
    const { status, json } = await api(running(), "/api/executions/order-42/history");
    expect(status).toBe(200);
    expect(json.total).toBe(5);
    expect(json.branches).toBe(2);
    const fork = json.entries.find((e: { version: number }) => e.version === 5);
    expect(fork).toMatchObject({ forkStart: true, parentVersion: 2, branch: 1, source: "fork" });
  });

  it("answers a checkpoint losslessly encoded, with its task results", async () => {
    const last = chain[3] as Checkpoint;
    const { status, json } = await api(running(), `/api/checkpoints/${encodeURIComponent(last.id)}`);
    expect(status).toBe(200);
    expect(json.checkpoint.id).toBe(last.id);
    expect(json.checkpoint.state.when).toEqual({ $lg: "date", v: "2025-01-02T03:04:05.006Z" });
    expect(json.checkpoint.state.big.$lg).toBe("bigint");
    expect(json.checkpoint.tasks.interrupts[0].value).toBe("ok?");
  });

  it("diffs a checkpoint against its parent or any other", async () => {
    const fork = chain[4] as Checkpoint;
    const parent = await api(running(), `/api/diff?to=${fork.id}`);
    expect(parent.status).toBe(200);
    expect(parent.json.from).toBe((chain[1] as Checkpoint).id);
    expect(parent.json.changes).toContainEqual({ kind: "changed", path: "counter", before: 2, after: 99 });
    const other = await api(running(), `/api/diff?from=${(chain[0] as Checkpoint).id}&to=${fork.id}`);
    expect(other.json.changes.length).toBeGreaterThan(0);
  });

  it("answers typed errors as statuses with codes", async () => {
    const missing = await api(running(), "/api/checkpoints/nope");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("LG_CHECKPOINT_NOT_FOUND");
    expect((await api(running(), "/api/executions/nope/history")).status).toBe(404);
    const bad = await api(running(), "/api/executions?limit=-1");
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("LG_INVALID_ARGUMENT");
    expect((await api(running(), "/api/diff?to=")).status).toBe(400);
    expect((await api(running(), "/api/no-such-route")).status).toBe(404);
  });

  it("serves the front end's files and nothing outside its directory", async () => {
    const script = await get(running(), "/assets/app-1234.js", bearer(running()));
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toContain("text/javascript");
    expect(script.headers["cache-control"]).toContain("immutable");
    const page = await get(running(), "/executions/order-42", bearer(running()));
    expect(page.body).toContain("<title>inspector</title>");
    for (const path of ["/../package.json", "/assets/..%2f..%2fpackage.json", "/%2e%2e/%2e%2e/package.json"]) {
      expect((await get(running(), path, bearer(running()))).status).toBe(404);
    }
  });

  it("streams a change event when a checkpoint is saved", async () => {
    const received = new Promise<string>((resolve, reject) => {
      const url = new URL("/api/events", running().origin);
      const req = httpRequest(url, { headers: bearer(running()) }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
          if (text.includes(": connected")) void save();
          if (text.includes("event: change")) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on("error", (error) => {
        if (!(error as NodeJS.ErrnoException).message.includes("aborted")) reject(error);
      });
      req.end();
    });
    let saved = false;
    const save = async (): Promise<void> => {
      if (saved) return;
      saved = true;
      // Let one poll record the store as it is first, so the save is a change.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await subject?.store.save(createTestCheckpoint({ executionId: "live-1", version: 1 }));
    };
    await expect(received).resolves.toContain('"executions":3');
  }, 20_000);
});
