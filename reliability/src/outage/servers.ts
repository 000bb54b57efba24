import type { OutageBackend } from "./backend.js";
import { PostgresOutageBackend } from "./postgres-backend.js";
import { RedisOutageBackend } from "./redis-backend.js";

/** The suite's private PostgreSQL and Redis, started together for one test file and removed at its end. */
export class OutageServers {
  private started: { postgres?: PostgresOutageBackend; redis?: RedisOutageBackend } = {};

  /** Starts both servers; when one fails, the other is kept for {@link dispose} and the failure is thrown. */
  async start(): Promise<void> {
    const [postgres, redis] = await Promise.allSettled([PostgresOutageBackend.start(), RedisOutageBackend.start()]);
    if (postgres.status === "fulfilled") this.started.postgres = postgres.value;
    if (redis.status === "fulfilled") this.started.redis = redis.value;
    for (const outcome of [postgres, redis]) if (outcome.status === "rejected") throw outcome.reason;
  }

  /** The PostgreSQL backend; throws when it did not start. */
  get postgres(): OutageBackend {
    return this.required(this.started.postgres, "PostgreSQL");
  }

  /** The Redis backend; throws when it did not start. */
  get redis(): OutageBackend {
    return this.required(this.started.redis, "redis-server");
  }

  /** Removes whichever servers started (safe when none did). */
  async dispose(): Promise<void> {
    await Promise.all([this.started.postgres?.dispose(), this.started.redis?.dispose()]);
    this.started = {};
  }

  private required(backend: OutageBackend | undefined, name: string): OutageBackend {
    if (backend === undefined) throw new Error(`the private ${name} server did not start`);
    return backend;
  }
}
