import { mkdirSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { createTestCheckpoint } from "@lg/store-testkit";
import type { Checkpoint } from "@lg/core";
import { startInspector, type Inspector } from "../src/ui/server.js";
import { seedExecution, tempDir } from "./helpers.js";
import { SUBJECTS, type Subject } from "./ui/subjects.js";

/** One HTTP answer. */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with full control of the headers (fetch would not let a test send a foreign Host). */
function send(
  inspector: Inspector,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
  body?: string,
): Promise<Answer> {
  const url = new URL(path, inspector.origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { host: url.host, ...headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function get(inspector: Inspector, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return send(inspector, path, headers);
}

async function post(inspector: Inspector, path: string, body: unknown, type = "application/json") {
  const answer = await send(
    inspector,
    path,
    { authorization: `Bearer ${inspector.token}`, "content-type": type },
    "POST",
    typeof body === "string" ? body : JSON.stringify(body),
  );
  return { status: answer.status, json: JSON.parse(answer.body) as Json };
}

const bearer = (inspector: Inspector): Record<string, string> => ({ authorization: `Bearer ${inspector.token}` });

/** A parsed API answer; tests reach into it freely, the assertions check the shapes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field and asserted
type Json = any;

async function api(inspector: Inspector, path: string): Promise<{ status: number; json: Json }> {
  const answer = await get(inspector, path, bearer(inspector));
  return { status: answer.status, json: JSON.parse(answer.body) };
}

describe.each(SUBJECTS)("inspector server on %s", (_name, open) => {
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
    const port = new URL(running().origin).port;
    for (const host of ["evil.example:80", `evil.example:${port}`, `localhost.evil.example:${port}`, "127.0.0.1:1"]) {
      const answer = await get(running(), "/api/executions", { ...bearer(running()), host });
      expect([host, answer.status]).toEqual([host, 403]);
    }
    // An address (a server bound to every interface, reached by its IP) or localhost is the server itself.
    for (const host of [`localhost:${port}`, `10.1.2.3:${port}`, `[::1]:${port}`]) {
      const answer = await get(running(), "/api/executions", { ...bearer(running()), host });
      expect([host, answer.status]).toEqual([host, 200]);
    }
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
    // Each row tells where the execution stands by its newest checkpoint.
    const invoice = all.json.executions.find((e: { executionId: string }) => e.executionId === "invoice-7");
    expect(invoice).toMatchObject({ status: "paused", node: "node", latestVersion: 2 });
    // The search looks in the newest checkpoint's metadata too: only order-42's is a fork.
    const byMetadata = await api(running(), "/api/executions?q=%22fork%22");
    expect(byMetadata.json.executions.map((e: { executionId: string }) => e.executionId)).toEqual(["order-42"]);
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

  it("saves an edited state as a new checkpoint after the one edited, types kept", async () => {
    const base = chain[1] as Checkpoint;
    const shown = await api(running(), `/api/checkpoints/${base.id}`);
    const state = { ...shown.json.checkpoint.state, counter: 7 };
    const saved = await post(running(), `/api/checkpoints/${base.id}/edit`, { state });
    expect(saved.status).toBe(200);
    expect(saved.json.checkpoint).toMatchObject({ parentId: base.id, version: 6, metadata: { source: "fork" } });
    const stored = await subject?.store.load(saved.json.checkpoint.id as string);
    expect(stored?.state).toMatchObject({ counter: 7, when: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)) });
    expect((stored?.state as { tags: Set<string> }).tags).toEqual(new Set(["a", "v2"]));
  });

  it("refuses actions without JSON, without a graph, or with a malformed body", async () => {
    const id = (chain[0] as Checkpoint).id;
    expect(
      (await post(running(), `/api/checkpoints/${id}/edit`, "state=1", "application/x-www-form-urlencoded")).status,
    ).toBe(415);
    expect((await post(running(), `/api/checkpoints/${id}/edit`, "{not json")).status).toBe(400);
    const missing = await post(running(), `/api/checkpoints/${id}/edit`, {});
    expect([missing.status, missing.json.error.code]).toEqual([400, "LG_INVALID_ARGUMENT"]);
    expect((await post(running(), `/api/checkpoints/${id}/edit`, { state: [1] })).status).toBe(400);
    expect((await post(running(), "/api/checkpoints/nope/edit", { state: {} })).status).toBe(404);
    const resume = await post(running(), "/api/executions/order-42/resume", {});
    expect(resume.status).toBe(400);
    expect(resume.json.error.message).toContain("--graph");
    expect((await api(running(), "/api/graph")).json).toEqual({ graph: null });
    const stranger = await send(
      running(),
      `/api/checkpoints/${id}/edit`,
      { "content-type": "application/json" },
      "POST",
      "{}",
    );
    expect(stranger.status).toBe(401);
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
