import { join } from "node:path";
import { describeChaosSuite } from "../src/chaos/suite.js";

/**
 * Chaos on SQLite (worker processes on one file): worker processes SIGKILLed at random while they run a load of submitted executions, the
 * recovery latency of those kills, and a zombie worker resumed after its lease was taken over.
 */
describeChaosSuite("sqlite", join(__dirname, ".."));
