// Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core, with the flags docs/platform.md lists and a
// fresh temporary profile; axe-core injected from node_modules; screenshots under test-artifacts/screenshots/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_DIR } from '../../../helpers/paths.js';

export const CHROMIUM = process.env.VISAGE_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(REPO_DIR, 'test-artifacts', 'screenshots');

/** Builds the page into dist/web (esbuild, about a second), as `npm run build` does. */
export function buildWebPage(): void {
  execFileSync(process.execPath, [join(REPO_DIR, 'scripts', 'build-web.mjs')], { cwd: REPO_DIR, stdio: 'pipe' });
}

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** chromium.launch() starts every browser with a fresh temporary profile (its own --user-data-dir). */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors of the page's scripts; tests expect none. */
  errors: string[];
}

export async function newPage(browser: Browser, width: number, options: { reducedMotion?: boolean } = {}): Promise<TestPage> {
  const context = await browser.newContext({
    viewport: { width, height: width < 600 ? 780 : 900 },
    reducedMotion: options.reducedMotion === false ? 'no-preference' : 'reduce',
    // Phone widths get a touch screen, so the page shows its phone-only parts (the camera button).
    ...(width < 600 ? { hasTouch: true, isMobile: true } : {}),
    locale: 'en-GB',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

const AXE_SOURCE = (): string => readFileSync(join(REPO_DIR, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** Runs axe-core (WCAG 2.0-2.2 A and AA rules plus best practices) on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol rather than a <script> tag, which the page's CSP rightly refuses.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE());
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Presses Tab until the focused element matches the selector (keyboard-only navigation); fails after maxTabs. */
export async function tabTo(page: Page, selector: string, maxTabs = 60): Promise<void> {
  for (let i = 0; i < maxTabs; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}
