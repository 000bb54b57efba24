import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMonitoring } from "./monitoring.js";

// A fresh directory per run: the numbers describe this run only.
const dir = mkdtempSync(join(tmpdir(), "lg-monitoring-"));
try {
  await runMonitoring({ dir, print: (line) => console.log(line) });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
