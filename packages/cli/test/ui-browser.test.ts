import { join } from "node:path";
import type { Checkpoint } from "@lg/core";
import type { SqliteCheckpointStore } from "@lg/store-sqlite";
import { createCheckpointChain, createTestCheckpoint } from "@lg/store-testkit";
import type { Page } from "playwright-core";
import { seedExecution } from "./helpers.js";
import { sqliteSubject, SUBJECTS, type Subject } from "./ui/subjects.js";
import { openCheckpoint, SCREENSHOTS, startUi, useBrowser, type RunningUi } from "./ui/browser.js";

jest.setTimeout(180_000);

const newPage = useBrowser({ width: 1280, height: 800 });

describe.each(SUBJECTS)("the inspector in a browser, on %s", (_label, open) => {
  let subject: Subject | undefined;
  let ui: RunningUi | undefined;
  let page: Page | undefined;
  let chain: Checkpoint[] = [];

  beforeAll(async () => {
    subject = await open();
    await seedExecution(subject.store, 2, { executionId: "invoice-7" });
    chain = await seedExecution(subject.store, 4, { fork: true, executionId: "order-42" });
    ui = await startUi(subject.url);
    page = await newPage();
  });

  afterAll(async () => {
    await page?.context().close();
    const code = await ui?.stop();
    await subject?.cleanup();
    // Stopped by SIGTERM, the command closes its store and exits 0.
    expect(code ?? 0).toBe(0);
  });

  const on = (): { page: Page; ui: RunningUi; subject: Subject } => {
    if (page === undefined || ui === undefined || subject === undefined) throw new Error("set-up failed");
    return { page, ui, subject };
  };

  it("lists the executions, newest first, and searches them by id", async () => {
    const { page, ui, subject } = on();
    await page.goto(ui.url);
    await page.getByRole("link", { name: "order-42" }).waitFor();
    // The token leaves the address bar once the cookie holds it.
    expect(page.url()).toBe(`${ui.origin}/`);
    const ids = await page.locator("table.executions tbody tr td:first-child").allTextContents();
    expect(ids).toEqual(["order-42", "invoice-7"]);
    await page.screenshot({ path: join(SCREENSHOTS, `executions-${subject.name}.png`) });
    await page.getByLabel("search executions").fill("INVOICE");
    await page.getByTestId("execution-count").getByText("1 execution matching “INVOICE”").waitFor();
    expect(await page.locator("table.executions tbody tr").count()).toBe(1);
    await page.getByLabel("search executions").fill("");
    await page.getByTestId("execution-count").getByText("2 executions").waitFor();
  });

  it("shows an execution's timeline with its fork as a branch, and a state with its types", async () => {
    const { page, subject } = on();
    await page.getByRole("link", { name: "order-42" }).click();
    await page.getByTestId("history-summary").getByText("5 checkpoints · 2 branches").waitFor();
    const fork = page.locator('.timeline-row[data-version="5"]');
    expect(await fork.locator(".lane-own").textContent()).toBe("◆");
    expect(await fork.locator(".badge").textContent()).toBe("fork");
    // The newest checkpoint is selected: its state shows each value's type.
    const when = page.locator('[data-path="state/when"] > .tree-row');
    await when.waitFor();
    expect(await when.locator(".tree-type").textContent()).toBe("Date");
    expect(await when.locator(".tree-value").textContent()).toBe("2025-01-02T03:04:05.006Z");
    expect(await page.locator('[data-path="state/big"] .tree-type').textContent()).toBe("BigInt");
    await page.getByRole("button", { name: "expand tags" }).click();
    await page.locator('[data-path="state/tags/1"] .tree-value').getByText('"v2"').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, `execution-${subject.name}.png`) });
  });

  it("diffs a checkpoint against its parent and against any other", async () => {
    const { page, subject } = on();
    await openCheckpoint(page, 4, (chain[3] as Checkpoint).id);
    await page.getByRole("tab", { name: "Tasks (1 pending)" }).click();
    await page.locator('[data-path="tasks/interrupts"]').waitFor();
    await openCheckpoint(page, 5, (chain[4] as Checkpoint).id);
    await page.getByRole("tab", { name: "Diff" }).click();
    const counter = page.locator("table.diff tr.diff-changed", { hasText: "counter" });
    await counter.waitFor();
    expect(await counter.locator("td").allTextContents()).toEqual(["changed", "counter", "2", "99"]);
    await page.screenshot({ path: join(SCREENSHOTS, `diff-${subject.name}.png`) });
    await page.getByLabel("compare with").selectOption((chain[0] as Checkpoint).id);
    await page.locator("table.diff tr", { hasText: "counter" }).getByText("1", { exact: true }).waitFor();
  });

  it("shows a new execution without a reload while it runs", async () => {
    const { page, subject } = on();
    await page.getByRole("link", { name: "Executions" }).click();
    await page.getByRole("link", { name: "order-42" }).waitFor();
    await subject.store.save(createTestCheckpoint({ executionId: "live-run", version: 1 }));
    await page.getByRole("link", { name: "live-run" }).waitFor({ timeout: 30_000 });
  });

  it("refuses a browser that does not have the token", async () => {
    const { ui } = on();
    const stranger = await newPage();
    try {
      const answer = await stranger.goto(`${ui.origin}/`);
      expect(answer?.status()).toBe(401);
      expect(await stranger.content()).not.toContain("order-42");
      const api = await stranger.goto(`${ui.origin}/api/executions`);
      expect(api?.status()).toBe(401);
    } finally {
      await stranger.context().close();
    }
  });
});

describe("the inspector on an execution of 10,000 checkpoints (SQLite)", () => {
  it("draws only the rows in view and scrolls to the oldest", async () => {
    const subject = await sqliteSubject();
    let ui: RunningUi | undefined;
    const page = await newPage();
    try {
      const chain = createCheckpointChain("long-run", 10_000, (v) => ({ step: v, note: `step ${v}` }));
      const store = subject.store as SqliteCheckpointStore;
      for (let i = 0; i < chain.length; i += 1000) await store.saveMany(chain.slice(i, i + 1000));
      ui = await startUi(subject.url);
      const started = performance.now();
      await page.goto(`${ui.url.replace("/?", "/executions/long-run?")}`);
      await page.getByTestId("history-summary").getByText("10000 checkpoints · 1 branch").waitFor();
      await page.locator('[data-path="state/step"] .tree-value').getByText("10000").waitFor();
      const shownMs = performance.now() - started;
      const rows = await page.locator(".vrow").count();
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThan(100);
      const scrolled = performance.now();
      await page.locator(".vlist").evaluate((element) => (element.scrollTop = element.scrollHeight));
      await page.locator('.timeline-row[data-version="1"]').click();
      await page.locator('[data-path="state/step"] .tree-value').getByText("1", { exact: true }).waitFor();
      const oldestMs = performance.now() - scrolled;
      await page.screenshot({ path: join(SCREENSHOTS, "long-execution-sqlite.png") });
      process.stdout.write(
        `inspector, 10,000 checkpoints: first view ${shownMs.toFixed(0)} ms, ${rows} rows in the page, ` +
          `scroll to the oldest and open it ${oldestMs.toFixed(0)} ms\n`,
      );
    } finally {
      await page.context().close();
      await ui?.stop();
      await subject.cleanup();
    }
  });
});
