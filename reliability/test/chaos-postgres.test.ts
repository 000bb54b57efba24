import { join } from "node:path";
import { describeChaosSuite } from "../src/chaos/suite.js";

/**
 * Chaos on PostgreSQL (a fresh schema): worker processes SIGKILLed at random while they run a load of submitted executions, the
 * recovery latency of those kills, and a zombie worker resumed after its lease was taken over.
 */
describeChaosSuite("postgres", join(__dirname, ".."));
