import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { assertBuilt, BIN } from "../helpers.js";

/** Debian's Chromium, which `.ci/run` installs when it is missing. */
export const CHROMIUM = process.env.LG_CHROMIUM ?? "/usr/bin/chromium";

/** Where the page screenshots go: kept as test artifacts, and copied into the README's images by hand. */
export const SCREENSHOTS = join(__dirname, "..", "..", "..", "..", ".test-results", "inspector");

/**
 * Starts headless Chromium with the flags this machine needs (no sandbox as root; no background networking, which
 * a closed network refuses); Playwright gives it a fresh profile of its own. Fails with advice when the browser is not installed.
 */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set LG_CHROMIUM)`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 60_000,
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    close: () => browser.close(),
  };
}

/**
 * A fresh browser context (its own cookies) with waits of up to a minute: CI runs these beside other test files on a
 * busy two-core machine, where a page can take far longer than the 30 s Playwright allows by default.
 */
export async function newBrowserContext(
  browser: Browser,
  viewport: { width: number; height: number },
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(60_000);
  context.setDefaultNavigationTimeout(60_000);
  return context;
}

/**
 * Starts the browser before the file's tests (after checking the binary is built) and closes it after them; returns
 * a function that opens a page in a fresh context of `viewport`.
 */
export function useBrowser(viewport: { width: number; height: number }): () => Promise<Page> {
  let launched: { browser: Browser; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    assertBuilt();
    launched = await launchBrowser();
  });
  afterAll(async () => {
    await launched?.close();
  });
  return async () => {
    if (launched === undefined) throw new Error("the browser did not start");
    return (await newBrowserContext(launched.browser, viewport)).newPage();
  };
}

/**
 * Clicks the timeline row of `version` and waits for the panel of checkpoint `id`. With `total`, first waits until
 * the timeline shows that many checkpoints: rows are newest first, so a history reloaded under the pointer (live
 * updates) would shift them and the click would land on a neighbour. When the panel does not come, the error says
 * what the page showed instead (its address and the detail pane's text: a store error, say).
 */
export async function openCheckpoint(page: Page, version: number, id: string, total?: number): Promise<void> {
  if (total !== undefined) await page.getByTestId("history-summary").getByText(`${total} checkpoints ·`).waitFor();
  await page.locator(`.timeline-row[data-version="${version}"]`).click();
  try {
    await page.locator(`article[data-checkpoint="${id}"]`).waitFor();
  } catch (error) {
    const detail = await page
      .locator(".detail")
      .innerText({ timeout: 1_000 })
      .catch(() => "(no detail pane)");
    throw new Error(`checkpoint v${version} did not open at ${page.url()}; the pane shows: ${detail}`, {
      cause: error,
    });
  }
}

/** A running `lg-checkpoints ui` and the URL it printed. */
export interface RunningUi {
  url: string;
  origin: string;
  child: ChildProcess;
  /** Stops it with SIGTERM and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** Runs the built binary's `ui` command on `storeUrl` and waits for the URL it prints (60 s at most). */
export function startUi(storeUrl: string, extra: readonly string[] = []): Promise<RunningUi> {
  const child = spawn(process.execPath, [BIN, "ui", "--store", storeUrl, ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`lg-checkpoints ui printed no URL within 60 s: ${output}`));
    }, 60_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /Inspector running at (http:\/\/\S+)/.exec(output)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      child.stdout?.off("data", read);
      resolve({
        url,
        origin: new URL(url).origin,
        child,
        stop: async () => {
          child.kill("SIGTERM");
          return exited;
        },
      });
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`lg-checkpoints ui exited with ${String(code)} before printing its URL: ${output}`));
    });
  });
}
