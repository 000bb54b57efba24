import { sqliteDeletedMidRun, sqliteLockedMidRun } from "../src/outage/sqlite-scenarios.js";
import { FigureRecorder } from "../src/outage/recorder.js";

/**
 * SQLite outages with the runtime on top. A file has no server to stop: what happens to it instead is another
 * connection keeping its write lock, or the file being deleted under the store.
 */

const figures = new FigureRecorder();

afterAll(async () => {
  await figures.flush();
}, 30_000);

it("the file locked by another connection mid-run: typed error after busyTimeoutMs, resume after the lock is released", async () => {
  expect(figures.record(await sqliteLockedMidRun())).toEqual([]);
}, 60_000);

it("the file deleted mid-run: the next save fails typed instead of writing to a deleted file", async () => {
  expect(figures.record(await sqliteDeletedMidRun())).toEqual([]);
}, 60_000);
