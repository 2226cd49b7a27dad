// The built page: its JavaScript stays under 300 KB gzip, everything it loads is local, and the web plugin serves
// it with a strict CSP, gzip and ETags (or a clear 503 when the page was never built).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webChannel } from '../../../src/channels/web/plugin.js';
import { installErrorReplies } from '../../../src/channels/http/error-replies.js';
import { EMOTION_COLOURS } from '../../../src/pipeline/render.js';
import type { VisageServices } from '../../../src/services/visage-services.js';
import { REPO_DIR } from '../../helpers/paths.js';
import { testConfig } from '../../server/support/test-server.js';
import { openTestStore, useTempDirs } from '../../store/helpers/store-fixtures.js';
import { buildWebPage } from './support/browser.js';

const BUDGET_BYTES = 300 * 1024;
const WEB_DIR = join(REPO_DIR, 'dist', 'web');
const tempDir = useTempDirs();

async function pageServer(assetsDir: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const store = openTestStore(tempDir());
  app.decorate('visage', { config: testConfig(), store } as unknown as VisageServices);
  installErrorReplies(app);
  await app.register(webChannel, { assetsDir });
  app.addHook('onClose', async () => store.close());
  return app;
}

beforeAll(() => buildWebPage(), 60_000);

describe('the built page', () => {
  it('has under 300 KB of JavaScript, gzip-compressed', () => {
    const scripts = readdirSync(join(WEB_DIR, 'assets')).filter((name) => name.endsWith('.js'));
    expect(scripts).toEqual(['app.js']);
    const gzipped = scripts.reduce((n, name) => n + gzipSync(readFileSync(join(WEB_DIR, 'assets', name)), { level: 9 }).length, 0);
    expect(gzipped).toBeLessThan(BUDGET_BYTES);
  });

  it('loads nothing from other hosts', () => {
    const html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8');
    const css = readFileSync(join(WEB_DIR, 'assets', 'app.css'), 'utf8');
    expect([...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]).filter((url) => !url?.startsWith('/'))).toEqual([]);
    expect(css).not.toMatch(/url\(|@import/);
  });
});

describe('the web plugin', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await pageServer(WEB_DIR);
  });
  afterAll(async () => app?.close());

  it('serves the page with a strict CSP, gzip and an ETag', async () => {
    const res = await app.inject({ url: '/', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe');
    const again = await app.inject({ url: '/', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
    const plain = await app.inject({ url: '/assets/app.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('writes the emotion colours of the annotated photo as CSS', async () => {
    const res = await app.inject({ url: '/assets/emotions.css' });
    expect(res.body).toContain(`.emotion-happy { --emotion-colour: ${EMOTION_COLOURS.happy}; }`);
  });

  it('answers 404 for other files and a clear 503 when the page is not built', async () => {
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    const empty = mkdtempSync(join(tmpdir(), 'visage-web-empty-'));
    const bare = await pageServer(empty);
    const res = await bare.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ error: { message: string } }>().error.message).toContain('npm run build');
    await bare.close();
    rmSync(empty, { recursive: true, force: true });
  });
});
