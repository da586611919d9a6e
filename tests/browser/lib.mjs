// Shared helpers of the browser tests: Debian's Chromium driven by
// playwright-core, screenshots into the test output, an axe-core scan, and
// the rule that a page never shows a script error.

import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUT = process.env.PSEPHOS_TEST_OUT || join(ROOT, 'target', 'browser-tests');
export const CHROMIUM = process.env.PSEPHOS_CHROMIUM || '/usr/bin/chromium';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

// A page that records script errors and console errors. Chromium also logs
// "Failed to load resource" for every 4xx answer the pages expect (an
// unknown credential is a 404), which is the network, not the page: those
// are kept apart.
export async function openPage(browser, { mobile = true, locale = 'en-GB', acceptDownloads = true } = {}) {
  const context = await browser.newContext({
    viewport: mobile ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    locale,
    acceptDownloads,
  });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) page.problems.push(`console: ${message.text()}`);
  });
  return page;
}

let shot = 0;
export async function screenshot(page, name, { fullPage = true } = {}) {
  mkdirSync(join(OUT, 'screenshots'), { recursive: true });
  shot += 1;
  // Each test file runs in its own process: its name keeps the numbering apart.
  const file = basename(process.argv[1] || 'test').replace(/\.test\.mjs$/, '');
  const path = join(OUT, 'screenshots', `${file}-${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

// axe-core, evaluated through the DevTools protocol (which the pages'
// Content-Security-Policy does not govern); returns the serious and
// critical violations.
export async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const report = await axe.run(document, { resultTypes: ['violations'] });
    return report.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function download(page, click) {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

// page.waitForFunction compiles its predicate with eval, which the pages'
// Content-Security-Policy forbids; this polls with page.evaluate instead.
export async function waitUntil(page, predicate, arg, { timeout = 15000, interval = 50 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(predicate, arg)) return;
    if (Date.now() > deadline) throw new Error(`waitUntil timed out: ${predicate}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
