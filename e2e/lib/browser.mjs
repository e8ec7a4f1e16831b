// Chromium through playwright-core: the system's browser (Debian's chromium), never a downloaded one.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

import { chromium } from "playwright-core";

export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/**
 * Launches headless Chromium. Playwright gives a non-persistent launch a new temporary profile
 * (--user-data-dir) and removes it on close, and every context is a fresh incognito-like profile.
 */
export async function launchBrowser() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} not found: run 'bash e2e/run.sh' (installs Debian's chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

const TIMEOUT = 15_000;

/** A new context and page: a user on their own device. Console errors are collected for the report. */
export async function newUser(browser, baseURL, name) {
  const context = await browser.newContext({ baseURL });
  context.setDefaultTimeout(TIMEOUT);
  return watch(await context.newPage(), name);
}

/** Another tab of the same user: a new page in page's context, sharing its storage and cookies. */
export async function newTab(page, name) {
  return watch(await page.context().newPage(), name);
}

function watch(page, name) {
  page.userName = name;
  page.consoleErrors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") page.consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => page.consoleErrors.push(String(err)));
  return page;
}

async function poll(what, check, timeoutMs = TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await check();
    if (last.ok) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last.got}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the element is visible and, when given, its text contains `text` (string or RegExp). */
export async function expectVisible(locator, text) {
  await locator.first().waitFor({ state: "visible" });
  if (text === undefined) return;
  await poll(`${locator} to contain ${text}`, async () => {
    const got = (await locator.first().textContent()) ?? "";
    return { ok: text instanceof RegExp ? text.test(got) : got.includes(text), got: JSON.stringify(got) };
  });
}

/** Waits until the element is gone or hidden. */
export async function expectHidden(locator) {
  await locator.first().waitFor({ state: "hidden" });
}

/** Waits until the locator matches exactly n elements. */
export async function expectCount(locator, n) {
  await poll(`${locator} to match ${n} elements`, async () => {
    const got = await locator.count();
    return { ok: got === n, got };
  });
}

/** Saves a full-page screenshot of every page into dir, named after the step. */
export async function screenshotAll(pages, dir, step) {
  mkdirSync(dir, { recursive: true });
  const saved = [];
  for (const page of pages) {
    if (page.isClosed()) continue;
    const file = join(dir, `${step}-${page.userName}.png`.replace(/[^\w.-]+/g, "_"));
    try {
      await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
      saved.push(file);
    } catch {
      // a crashed page cannot be captured; the error itself is reported
    }
  }
  return saved;
}
