// Practice in real Chromium against the real server: ten rounds give a score per emotion and a progress chart, the
// rounds are in the SQLite file, "Forget me" removes them, settings persist; all of it by keyboard alone too, with
// no axe violations in any state.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMOTION_CUES } from '../../../src/pipeline/describe.js';
import type { Emotion } from '../../../src/pipeline/types.js';
import { axeViolations, launchBrowser, newPage, screenshot, tabTo, type TestBrowser, type TestPage } from './support/browser.js';
import { makePracticePhotoFolder } from './support/practice-photos.js';
import { startWebTestServer, type WebTestServer } from './support/web-server.js';

let server: WebTestServer;
let chrome: TestBrowser;
let photosDir: string;

beforeAll(async () => {
  photosDir = makePracticePhotoFolder().dir;
  server = await startWebTestServer({ practice: { photosDir } });
  chrome = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await chrome?.close();
  await server?.close();
  rmSync(photosDir, { recursive: true, force: true });
});

async function expectNoAxeViolations(tp: TestPage, state: string): Promise<void> {
  const violations = await axeViolations(tp.page);
  expect(violations, `${state}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

async function waitForFace(tp: TestPage): Promise<void> {
  await tp.page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('#practice-face');
    const first = document.querySelector<HTMLButtonElement>('#answers button');
    return img !== null && img.complete && img.naturalWidth > 0 && first !== null && !first.disabled;
  });
}

interface AnswerJson {
  correct: boolean;
  expected: Emotion;
}

/** Answers the round on screen by the given action; returns the server's verdict. */
async function answerRound(tp: TestPage, act: () => Promise<void>): Promise<AnswerJson> {
  const [response] = await Promise.all([tp.page.waitForResponse((r) => r.url().includes('/v1/practice/answer')), act()]);
  expect(response.status()).toBe(200);
  await tp.page.locator('#next-face').waitFor({ state: 'visible' });
  return (await response.json()) as AnswerJson;
}

const roundsInDb = (): number => server.query<{ n: number }>('SELECT count(*) AS n FROM practice_rounds WHERE answer IS NOT NULL')[0]?.n ?? -1;

describe('practise with the mouse (1280 px)', () => {
  let tp: TestPage;

  beforeAll(async () => {
    tp = await newPage(chrome.browser, 1280);
    await tp.page.goto(`${server.url}/#practise`);
  });
  afterAll(async () => tp?.context.close());

  it('plays ten rounds and shows the score per emotion and the progress chart', async () => {
    await waitForFace(tp);
    await expectNoAxeViolations(tp, 'first practice round');
    await screenshot(tp.page, 'practice-round-1280');
    let right = 0;
    for (let round = 1; round <= 10; round++) {
      await waitForFace(tp);
      expect(await tp.page.locator('#round-number').textContent()).toBe(String(round));
      const verdict = await answerRound(tp, () => tp.page.click('#answers button[data-emotion="happy"]'));
      if (verdict.correct) right += 1;
      const feedback = await tp.page.locator('#feedback').textContent();
      expect(feedback).toContain(verdict.correct ? 'Right.' : 'You chose happy.');
      expect(await tp.page.locator('#feedback .cues li').allTextContents()).toEqual(
        EMOTION_CUES[verdict.expected].split(/(?<=\.)\s+/),
      );
      if (round === 1) await expectNoAxeViolations(tp, 'feedback');
      if (round === 1) await screenshot(tp.page, 'practice-feedback-1280');
      if (round < 10) await tp.page.click('#next-face');
    }
    expect(await tp.page.locator('#visit-score').textContent()).toBe(`This time: ${right} right out of 10.`);
    const tried = await tp.page.locator('#score-rows tr td:nth-child(3)').allTextContents();
    expect(tried.reduce((n, t) => n + Number(t), 0)).toBe(10);
    const rightCells = await tp.page.locator('#score-rows tr td:nth-child(2)').allTextContents();
    expect(rightCells.reduce((n, t) => n + Number.parseInt(t, 10), 0)).toBe(right);
    await expect.poll(() => tp.page.locator('#progress-chart svg rect.bar').count()).toBe(1);
    expect(await tp.page.locator('#progress-chart figcaption').textContent()).toBe(`One day of practice: ${Math.round(right * 10)}% right.`);
    expect(roundsInDb()).toBe(10);
    await expectNoAxeViolations(tp, 'after ten rounds');
    await screenshot(tp.page, 'practice-score-1280');
    expect(tp.errors).toEqual([]);
  });

  it('"Forget me" asks first, then deletes the practice rounds', async () => {
    await tp.page.click('#forget-me');
    await expectNoAxeViolations(tp, 'forget me question');
    await tp.page.click('#forget-no');
    expect(roundsInDb()).toBe(10);
    await tp.page.click('#forget-me');
    await tp.page.click('#forget-yes');
    await expect.poll(() => tp.page.locator('#forget-status').textContent()).toContain('Done.');
    expect(roundsInDb()).toBe(0);
    await expect.poll(() => tp.page.locator('#progress-chart').textContent()).toContain('No answers yet.');
    await expectNoAxeViolations(tp, 'after forget me');
  });
});

describe('practice routes', () => {
  it('refuse an answer without a round, or with an emotion that does not exist', async () => {
    const noCookie = await fetch(`${server.url}/v1/practice/answer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ roundId: 1, answer: 'happy' }),
    });
    expect(noCookie.status).toBe(404);
    const next = await fetch(`${server.url}/v1/practice/next`);
    const cookie = (next.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^visage_uid=[\w-]{16,}$/);
    const { roundId, image } = (await next.json()) as { roundId: number; image: string };
    expect(image).toMatch(/^data:image\/jpeg;base64,/);
    const again = (await (await fetch(`${server.url}/v1/practice/next`, { headers: { cookie } })).json()) as { roundId: number };
    expect(again.roundId).toBe(roundId);
    const wrong = await fetch(`${server.url}/v1/practice/answer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ roundId, answer: 'bored' }),
    });
    expect(wrong.status).toBe(400);
    const empty = (await (await fetch(`${server.url}/v1/practice/progress`)).json()) as { asked: number; daily: unknown[] };
    expect(empty).toMatchObject({ asked: 0, daily: [] });
  });
});

describe('practise at 360 px', () => {
  it('fits a phone screen', async () => {
    const tp = await newPage(chrome.browser, 360);
    await tp.page.goto(`${server.url}/#practise`);
    await waitForFace(tp);
    await answerRound(tp, () => tp.page.click('#answers button[data-emotion="sad"]'));
    const overflow = await tp.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(tp, 'practice at 360 px');
    await screenshot(tp.page, 'practice-feedback-360');
    await tp.page.goto(`${server.url}/#settings`);
    await screenshot(tp.page, 'settings-360');
    expect(tp.errors).toEqual([]);
    await tp.context.close();
  });
});

describe('practise and settings by keyboard alone', () => {
  it('reaches practice from the menu, answers rounds, forgets, and changes the settings', async () => {
    const tp = await newPage(chrome.browser, 1280);
    const { page } = tp;
    await page.goto(server.url);
    await tabTo(page, 'a[data-view-link="practise"]');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id), { timeout: 10_000 }).toBe('practise-title');
    for (let round = 0; round < 3; round++) {
      await waitForFace(tp);
      await tabTo(page, '#answers button[data-emotion="neutral"]');
      await answerRound(tp, () => page.keyboard.press('Enter'));
      await expect.poll(() => page.evaluate(() => document.activeElement?.id), { timeout: 10_000 }).toBe('next-face');
      await page.keyboard.press('Enter');
    }
    await waitForFace(tp);
    await expect.poll(() => page.locator('#visit-score').textContent()).toMatch(/out of 3\.$/);
    const answeredBefore = roundsInDb();
    await tabTo(page, '#forget-me');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id), { timeout: 10_000 }).toBe('forget-yes');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#forget-status').textContent()).toContain('Done.');
    expect(roundsInDb()).toBe(answeredBefore - 3);

    await tabTo(page, 'a[data-view-link="settings"]', 80);
    await page.keyboard.press('Enter');
    await tabTo(page, '#setting-hide-percent');
    await page.keyboard.press('Space');
    await tabTo(page, '#setting-large-text');
    await page.keyboard.press('Space');
    expect(await page.evaluate(() => document.documentElement.className)).toBe('hide-percent large-text');
    await expectNoAxeViolations(tp, 'settings');
    await screenshot(tp.page, 'settings-1280');
    await page.reload();
    expect(await page.isChecked('#setting-hide-percent')).toBe(true);
    expect(await page.evaluate(() => document.documentElement.className)).toBe('hide-percent large-text');
    await page.goto(`${server.url}/#practise`);
    await waitForFace(tp);
    await expectNoAxeViolations(tp, 'practice with larger text');
    await screenshot(tp.page, 'practice-large-text-1280');
    expect(tp.errors).toEqual([]);
    await tp.context.close();
  });
});
