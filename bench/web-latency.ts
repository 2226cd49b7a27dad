// The web page's answer time: in real Chromium, a group photo is checked through the page again and again; for each
// check the browser's own timings give the server's latency (request sent -> response received) and what the page
// adds (response received -> the cards are on screen, the `visage:answer-shown` mark). Goal: the page adds <= 100 ms.
// Environment: BENCH_WEB_ROUNDS (default 15).
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { loadConfig, type Config } from '../src/config.js';
import { buildServer } from '../src/server.js';
import { createAnalysisPool } from '../src/services/worker-pool.js';
import { workerExecArgv } from './server-load.js';

const PHOTO = 'multi-5faces-happy-sunglasses-pyfeat-multi_face.jpg';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

export async function benchWebLatency(print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  const rounds = Number(process.env.BENCH_WEB_ROUNDS ?? '15');
  const dir = mkdtempSync(join(tmpdir(), 'visage-web-bench-'));
  const photoPath = join(dir, 'photo.jpg');
  await sharp(join(process.env.VISAGE_SHARED_DIR ?? join(process.cwd(), '..', 'shared'), 'photos', PHOTO)).resize({ width: 640 }).jpeg({ quality: 92 }).toFile(photoPath);
  const config: Config = { ...loadConfig({ env: {} }), workers: availableParallelism(), dataDir: join(dir, 'data'), rateLimit: { burst: 1000, perSecond: 1000 } };
  const execArgv = workerExecArgv();
  const pool = createAnalysisPool({ workers: config.workers, queueSize: config.queueSize, modelDir: config.modelDir, ...(execArgv === undefined ? {} : { execArgv }) });
  await pool.whenReady();
  const app = buildServer(config, { pool, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const browser = await chromium.launch({
    executablePath: process.env.VISAGE_TEST_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const serverMs: number[] = [];
  const pageMs: number[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    for (let i = 0; i <= rounds; i++) {
      await page.evaluate(() => {
        performance.clearMarks('visage:answer-shown');
        performance.clearResourceTimings();
      });
      await page.setInputFiles('#photo-file', photoPath);
      await page.waitForFunction(() => performance.getEntriesByName('visage:answer-shown').length > 0, undefined, { timeout: 60_000 });
      const t = await page.evaluate(() => {
        const response = performance.getEntriesByType('resource').filter((e) => e.name.includes('/v1/analyze')).pop() as PerformanceResourceTiming | undefined;
        const shown = performance.getEntriesByName('visage:answer-shown').pop();
        return response === undefined || shown === undefined ? null : { server: response.responseEnd - response.requestStart, page: shown.startTime - response.responseEnd };
      });
      if (t !== null && i > 0) {
        // The first round warms the page and the workers up.
        serverMs.push(t.server);
        pageMs.push(t.page);
      }
    }
  } finally {
    await browser.close();
    await app.close();
    await pool.close();
  }
  const s = [...serverMs].sort((a, b) => a - b);
  const p = [...pageMs].sort((a, b) => a - b);
  print(`\nWeb page answer time (${PHOTO} at 640 px through the page in Chromium, ${s.length} checks):`);
  print(`  server latency seen by the page: p50 ${percentile(s, 0.5).toFixed(0)} ms, p90 ${percentile(s, 0.9).toFixed(0)} ms`);
  print(`  the page adds (response -> cards on screen): p50 ${percentile(p, 0.5).toFixed(1)} ms, max ${(p[p.length - 1] ?? NaN).toFixed(1)} ms (goal <= 100 ms)`);
  print('  Reproduce: BENCH_WEB_ROUNDS=15 npx tsx -e "import(\'./bench/web-latency.ts\').then((m) => m.benchWebLatency())"');
}
