import { join } from "node:path";
import { describeKillSuite } from "../src/kill/suite.js";

/**
 * SIGKILL at seeded points of a 50-step graph on PostgreSQL (a fresh schema on the local server): in a node, before,
 * inside and after a save, and at a random moment; a new process resumes each time. Every execution must end in the
 * state of an uninterrupted run, with versions 1..51 and no step applied twice.
 */
describeKillSuite("postgres", {
  packageDir: join(__dirname, ".."),
  title: "PostgreSQL: every execution killed at its seeded points resumes to the uninterrupted run's state",
});
