// Load and abuse on the real server: a slow upload, more concurrent photos than the queue holds, a client over its
// rate, a worker that crashes, and what reaches the logs.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultLogger } from '../../src/server.js';
import type { AnalysisPool } from '../../src/services/worker-pool.js';
import { photoPath } from '../services/support/worker-support.js';
import { errorOf, send, startTestPool, startTestServer, testConfig, type TestServer } from './support/test-server.js';

const THREE_FACES = readFileSync(photoPath('multi-3faces-grimace-glasses-dlib-voc-2008_002506.jpg'));
const cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serverWith(pool: AnalysisPool, overrides: Parameters<typeof testConfig>[0] = {}, deps = {}): Promise<TestServer> {
  cleanup.push(() => pool.close());
  const server = await startTestServer(testConfig({ workers: 1, ...overrides }), { pool, ...deps });
  cleanup.push(() => server.close());
  return server;
}

function rawExchange(port: number, head: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.write(head);
    socket.write(body); // and then nothing more: the rest of the declared body never comes
  });
}

describe('the server under abuse', () => {
  it('times out an upload that arrives too slowly with 408 in the error shape, and stays healthy', async () => {
    const server = await serverWith(startTestPool(1, 1), { limits: { requestTimeoutMs: 500 } });
    const head = `POST /v1/analyze HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n`;
    const answer = await rawExchange(server.port, head, THREE_FACES.subarray(0, 1000));
    expect(answer).toMatch(/^HTTP\/1.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'VSG_TIMEOUT', message: expect.any(String) } });
    expect((await send(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('answers 503 with Retry-After when more photos arrive than the queue holds, then is healthy again', async () => {
    const pool = startTestPool(1, 1);
    const server = await serverWith(pool, { queueSize: 1 });
    await pool.whenReady();
    const post = (): ReturnType<typeof send> => send(`${server.url}/v1/analyze`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: THREE_FACES });
    const answers = await Promise.all(Array.from({ length: 20 }, post));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    for (const busy of answers.filter((a) => a.status === 503)) {
      expect(busy.headers['retry-after']).toBe('1');
      expect(errorOf(busy).code).toBe('VSG_BUSY');
    }
    expect((await post()).status).toBe(200);
    expect((await send(`${server.url}/readyz`)).status).toBe(200);
    const metrics = (await send(`${server.url}/metrics`)).body.toString();
    expect(metrics).toMatch(/^visage_queue_depth 0$/m);
    expect(metrics).toMatch(/visage_http_requests_total\{route="\/v1\/analyze",method="POST",status="503"\} [1-9]/);
  }, 120_000);

  it('limits each client with a token bucket (429 with Retry-After); operations routes are not limited', async () => {
    const frozen = { now: () => 0 };
    const server = await serverWith(startTestPool(1, 1), { rateLimit: { burst: 2, perSecond: 1 } }, { clock: frozen });
    const id = randomUUID();
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push(await send(`${server.url}/v1/analyses/${id}`));
    expect(statuses.map((r) => r.status)).toEqual([404, 404, 429]);
    const refused = statuses[2];
    expect(refused?.headers['retry-after']).toBe('1');
    expect(refused === undefined ? undefined : errorOf(refused).code).toBe('VSG_RATE_LIMITED');
    expect((await send(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('turns a crashed worker into a plain 500, replaces it, and keeps serving', async () => {
    const pool = startTestPool(1, 1, new URL('./support/crash-worker.mjs', import.meta.url));
    const server = await serverWith(pool);
    await pool.whenReady();
    for (let i = 0; i < 2; i += 1) {
      const res = await send(`${server.url}/v1/analyze`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: THREE_FACES });
      expect(res.status).toBe(500);
      expect(errorOf(res)).toEqual({ code: 'VSG_INTERNAL', message: expect.not.stringContaining('crashed on purpose') });
    }
    expect(pool.state()).toBe('ready');
    expect((await send(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('logs no query strings, client addresses, headers with secrets or image bytes', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const config = testConfig({ logLevel: 'trace' });
    const server = await serverWith(startTestPool(1, 1), {}, { logger: defaultLogger(config, stream) });
    await send(`${server.url}/healthz?hub.verify_token=s3cr3t-token`, { headers: { authorization: 'Bearer op-s3cr3t', cookie: 'visage_uid=c00kie' } });
    await send(`${server.url}/v1/analyze`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: THREE_FACES });
    const text = lines.join('');
    expect(text).toContain('"path":"/healthz"');
    for (const secret of ['s3cr3t-token', 'op-s3cr3t', 'c00kie', 'remoteAddress', 'JFIF', THREE_FACES.subarray(0, 12).toString('base64')]) {
      expect(text).not.toContain(secret);
    }
  }, 60_000);
});
