import { join } from "node:path";
import type { Checkpoint, CheckpointStore } from "@lg/core";
import type { Page } from "playwright-core";
import { openCheckpoint, SCREENSHOTS, startUi, useBrowser, type RunningUi } from "./ui/browser.js";
import { reviewGraph } from "./ui/fixtures/review-graph.js";
import { SUBJECTS, type Subject } from "./ui/subjects.js";

jest.setTimeout(180_000);

/** The review graph's module as `--graph` names it (TypeScript: loaded through tsx). */
const GRAPH = `${join(__dirname, "ui", "fixtures", "review-graph.ts")}#reviewGraph`;

const newPage = useBrowser({ width: 1280, height: 900 });

describe.each(SUBJECTS)("time travel in the inspector, on %s", (_label, open) => {
  let subject: Subject | undefined;
  let ui: RunningUi | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    subject = await open();
    // A program ran the graph until its human review paused it.
    const paused = await reviewGraph(subject.store).invoke({ draft: "v1" }, { executionId: "review-1" });
    expect(paused.status).toBe("interrupted");
    ui = await startUi(subject.url, ["--graph", GRAPH]);
    page = await newPage();
    await page.goto(ui.url);
  });

  afterAll(async () => {
    await page?.context().close();
    await ui?.stop();
    await subject?.cleanup();
  });

  const on = (): { page: Page; subject: Subject } => {
    if (page === undefined || subject === undefined) throw new Error("set-up failed");
    return { page, subject };
  };

  const stateOf = async (store: CheckpointStore): Promise<Checkpoint> => {
    const latest = await store.latest("review-1");
    if (latest === undefined) throw new Error("no checkpoint");
    return latest;
  };

  it("draws the graph with the paused step's node highlighted", async () => {
    const { page, subject } = on();
    await page.getByRole("link", { name: "review-1" }).click();
    await page.locator('.gnode.next[data-node="review"]').waitFor();
    expect(await page.locator(".gnode").count()).toBe(5);
    expect(await page.locator("path.edge").count()).toBe(5);
    await page.getByRole("tab", { name: "Tasks (1 pending)" }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, `graph-${subject.name}.png`) });
  });

  it("answers the pending pause through the runtime, which runs the graph to its end", async () => {
    const { page, subject } = on();
    await page.getByLabel("answer JSON").fill("true");
    await page.getByRole("button", { name: "Answer and run" }).click();
    await page
      .getByRole("status")
      .getByText(/Run finished at v\d+/)
      .waitFor();
    const latest = await stateOf(subject.store);
    expect(latest.state).toMatchObject({ draft: "v1", approved: true, log: ["write v1", "review", "publish"] });
    await page.locator(`article[data-checkpoint="${latest.id}"]`).waitFor();
    await page.locator('.gnode.ran[data-node="publish"]').waitFor();
  });

  it("edits an older checkpoint's state into a fork, then resumes the fork", async () => {
    const { page, subject } = on();
    const history = await subject.store.list("review-1");
    const afterWrite = history.find((cp) => cp.nodeName === "write") as Checkpoint;
    // The panel of the row clicked, not the one shown before it.
    await openCheckpoint(page, afterWrite.version, afterWrite.id, history.length);
    await page.getByRole("button", { name: "Edit state" }).click();
    const editor = page.getByLabel("state JSON");
    const text = await editor.inputValue();
    expect(JSON.parse(text)).toMatchObject({ draft: "v1" });
    await editor.fill(text.replace('"v1"', '"v2"'));
    await page.getByRole("button", { name: "Save as new checkpoint" }).click();
    await page
      .getByRole("status")
      .getByText(/Saved the edit as v\d+/)
      .waitFor();
    const fork = await stateOf(subject.store);
    expect(fork).toMatchObject({ parentId: afterWrite.id, metadata: { source: "fork" }, next: ["review"] });
    expect(fork.state).toMatchObject({ draft: "v2", log: ["write v1"] });
    await page.locator(`article[data-checkpoint="${fork.id}"]`).waitFor();
    expect(await page.locator(`.timeline-row[data-version="${fork.version}"] .badge`).textContent()).toBe("fork");
    // The fork is the latest: resuming runs its review, which pauses for a human again.
    await page.getByRole("button", { name: "Resume" }).click();
    await page
      .getByRole("status")
      .getByText(/Run paused at v\d+ with 1 pending pause/)
      .waitFor();
    const pausedAgain = await stateOf(subject.store);
    expect(pausedAgain.tasks?.interrupts?.[0]?.value).toBe("publish v2?");
  });

  it("forks from an older checkpoint by running on from it", async () => {
    const { page, subject } = on();
    const all = await subject.store.list("review-1");
    const first = all[0] as Checkpoint;
    const before = (await stateOf(subject.store)).version;
    await openCheckpoint(page, first.version, first.id, all.length);
    await page.getByRole("button", { name: `Fork: run on from v${first.version}` }).click();
    await page
      .getByRole("status")
      .getByText(/Run paused at v\d+ with 1 pending pause/)
      .waitFor();
    const forked = await stateOf(subject.store);
    expect(forked.version).toBeGreaterThan(before);
    expect(forked.state).toMatchObject({ draft: "v1" });
    await page.screenshot({ path: join(SCREENSHOTS, `forks-${subject.name}.png`) });
  });
});
