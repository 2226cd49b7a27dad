// The real server on 127.0.0.1 with real models in worker threads: each input form, each error status, the ops
// routes. Links only ever point at loopback servers started here.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisPool } from '../../src/services/worker-pool.js';
import { photoPath } from '../services/support/worker-support.js';
import {
  errorOf,
  multipartBody,
  send,
  startLoopbackServer,
  startTestPool,
  startTestServer,
  testConfig,
  type LoopbackServer,
  type TestServer,
} from './support/test-server.js';

const THREE_FACES = readFileSync(photoPath('multi-3faces-grimace-glasses-dlib-voc-2008_002506.jpg'));
const NO_FACE = readFileSync(photoPath('noface-rocket-launchpad-skimage.jpg'));
const JPEG_MAGIC = 'ffd8ff';
const PNG_MAGIC = '89504e47';

let pool: AnalysisPool;
let server: TestServer;
let photos: LoopbackServer;
let canary: LoopbackServer;

beforeAll(async () => {
  pool = startTestPool(1, 2);
  photos = await startLoopbackServer((req, res) => {
    if (req.url === '/three.jpg') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(THREE_FACES);
    if (req.url === '/missing.jpg') return void res.writeHead(404).end();
    if (req.url === '/huge.jpg') return void res.writeHead(200, { 'content-length': String(3 * 1024 * 1024) }).end(Buffer.alloc(3 * 1024 * 1024));
    if (req.url === '/stall.jpg') return void res.writeHead(200, { 'content-length': '1000' }).write('x');
    res.writeHead(302, { location: `http://127.0.0.1:${canary.port}/` }).end();
  });
  canary = await startLoopbackServer((_req, res) => res.end('canary'));
  const config = testConfig({
    fetch: { allow: [`127.0.0.1:${photos.port}`], maxBytes: 2 * 1024 * 1024, totalTimeoutMs: 1000 },
    limits: { bodyBytes: 2 * 1024 * 1024, maxPixels: 40_000_000, requestTimeoutMs: 30_000 },
  });
  server = await startTestServer(config, { pool });
  await pool.whenReady();
}, 120_000);

afterAll(async () => {
  await server?.close();
  await pool?.close();
  await photos?.close();
  await canary?.close();
});

const analyzeUrl = (query = ''): string => `${server.url}/v1/analyze${query}`;

describe('POST /v1/analyze: the three input forms', () => {
  let multipartFaces = 0;

  it('multipart field "image"', async () => {
    const { body, contentType } = multipartBody('image', 'party.jpg', THREE_FACES);
    const res = await send(analyzeUrl(), { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(res.status).toBe(200);
    const json = res.json<{ analysisId: string; source: string; width: number; height: number; faces: Array<{ emotion: string; description: string }> }>();
    expect(json.analysisId).toMatch(/^[0-9a-f-]{36}$/);
    expect(json.source).toBe('party.jpg');
    expect([json.width, json.height]).toEqual([500, 375]);
    expect(json.faces.length).toBeGreaterThanOrEqual(2);
    expect(json.faces.length).toBeLessThanOrEqual(4);
    expect(typeof json.faces[0]?.description).toBe('string');
    multipartFaces = json.faces.length;
  });

  it('raw body with an image content type (and application/octet-stream)', async () => {
    for (const type of ['image/jpeg', 'application/octet-stream', 'image/png']) {
      const res = await send(analyzeUrl(), { method: 'POST', headers: { 'content-type': type }, body: THREE_FACES });
      expect(res.status, type).toBe(200);
      expect(res.json<{ source: string; faces: unknown[] }>()).toMatchObject({ source: 'upload' });
      expect(res.json<{ faces: unknown[] }>().faces).toHaveLength(multipartFaces);
    }
  });

  it('JSON {"url"} from an allow-listed loopback source', async () => {
    const link = `http://127.0.0.1:${photos.port}/three.jpg`;
    const res = await send(analyzeUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: link }) });
    expect(res.status).toBe(200);
    expect(res.json<{ source: string; faces: unknown[] }>().source).toBe(link);
    expect(res.json<{ faces: unknown[] }>().faces).toHaveLength(multipartFaces);
  });

  it('a photo without faces gives faces: []', async () => {
    const res = await send(analyzeUrl(), { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: NO_FACE });
    expect(res.status).toBe(200);
    expect(res.json<{ faces: unknown[] }>().faces).toEqual([]);
  });

  it('?annotate=true links to the annotated JPEG; ?annotate=png to a PNG; the analysis can be read again', async () => {
    for (const [query, magic, type] of [['?annotate=true', JPEG_MAGIC, 'image/jpeg'], ['?annotate=png', PNG_MAGIC, 'image/png']] as const) {
      const res = await send(analyzeUrl(query), { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: THREE_FACES });
      expect(res.status).toBe(200);
      const json = res.json<{ analysisId: string; annotated: { url: string; contentType: string } }>();
      expect(json.annotated).toEqual({ url: `/v1/analyses/${json.analysisId}/annotated`, contentType: type });
      const image = await send(`${server.url}${json.annotated.url}`);
      expect(image.status).toBe(200);
      expect(image.headers['content-type']).toBe(type);
      expect(image.body.subarray(0, 4).toString('hex').startsWith(magic)).toBe(true);
      expect((await sharp(image.body).metadata()).width).toBe(500);
      const again = await send(`${server.url}/v1/analyses/${json.analysisId}`);
      expect(again.json<{ analysisId: string }>().analysisId).toBe(json.analysisId);
    }
  });
});

describe('POST /v1/annotate', () => {
  it('answers with the annotated photo, PNG or JPEG by Accept', async () => {
    const cases: Array<[string | undefined, string]> = [[undefined, JPEG_MAGIC], ['image/png', PNG_MAGIC], ['image/jpeg', JPEG_MAGIC], ['image/png;q=0.9, image/jpeg;q=0.5', PNG_MAGIC]];
    for (const [accept, magic] of cases) {
      const headers: Record<string, string> = { 'content-type': 'image/jpeg', ...(accept === undefined ? {} : { accept }) };
      const res = await send(`${server.url}/v1/annotate`, { method: 'POST', headers, body: THREE_FACES });
      expect(res.status, accept).toBe(200);
      expect(res.body.subarray(0, 4).toString('hex').startsWith(magic), accept).toBe(true);
      expect(Number(res.headers['x-visage-faces'])).toBeGreaterThanOrEqual(2);
      expect(res.headers['x-visage-analysis-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('error statuses, always {"error":{"code","message"}}', () => {
  const post = (body: Buffer | string, type: string, query = ''): ReturnType<typeof send> =>
    send(analyzeUrl(query), { method: 'POST', headers: { 'content-type': type }, body });
  const json = (value: unknown): string => JSON.stringify(value);

  it.each([
    ['JSON without url', () => post(json({ link: 'x' }), 'application/json'), 400, 'VSG_REQUEST_INVALID'],
    ['malformed JSON', () => post('{"url": ', 'application/json'), 400, 'VSG_REQUEST_INVALID'],
    ['a link that is not http(s)', () => post(json({ url: 'file:///etc/passwd' }), 'application/json'), 400, 'VSG_URL_INVALID'],
    ['an empty raw body', () => post(Buffer.alloc(0), 'image/jpeg'), 400, 'VSG_IMAGE_EMPTY'],
    ['an unknown ?annotate value', () => post(THREE_FACES, 'image/jpeg', '?annotate=maybe'), 400, 'VSG_REQUEST_INVALID'],
    ['multipart with the wrong field', () => {
      const form = multipartBody('photo', 'a.jpg', THREE_FACES);
      return post(form.body, form.contentType);
    }, 400, 'VSG_REQUEST_INVALID'],
    ['a JSON body over 64 KB', () => post(json({ url: `http://example.com/${'a'.repeat(70_000)}` }), 'application/json'), 413, 'VSG_IMAGE_TOO_LARGE'],
    ['a raw body over the limit', () => post(Buffer.alloc(3 * 1024 * 1024), 'image/jpeg'), 413, 'VSG_IMAGE_TOO_LARGE'],
    ['a multipart file over the limit', () => {
      const form = multipartBody('image', 'a.jpg', Buffer.alloc(3 * 1024 * 1024));
      return post(form.body, form.contentType);
    }, 413, 'VSG_IMAGE_TOO_LARGE'],
    ['a linked photo over the limit', () => post(json({ url: `http://127.0.0.1:${photos.port}/huge.jpg` }), 'application/json'), 413, 'VSG_FETCH_TOO_LARGE'],
    ['a text body', () => post('hello', 'text/plain'), 415, 'VSG_IMAGE_UNSUPPORTED'],
    ['an unknown content type', () => post('a=1', 'application/x-www-form-urlencoded'), 415, 'VSG_IMAGE_UNSUPPORTED'],
    ['bytes that are not an image, whatever the header says', () => post('<html>not a photo</html>', 'image/jpeg'), 415, 'VSG_IMAGE_UNSUPPORTED'],
    ['a truncated JPEG', () => post(THREE_FACES.subarray(0, 400), 'image/jpeg'), 422, 'VSG_IMAGE_UNDECODABLE'],
    ['a link answering 404', () => post(json({ url: `http://127.0.0.1:${photos.port}/missing.jpg` }), 'application/json'), 502, 'VSG_FETCH_FAILED'],
    ['a link that stalls', () => post(json({ url: `http://127.0.0.1:${photos.port}/stall.jpg` }), 'application/json'), 502, 'VSG_FETCH_TIMEOUT'],
  ] as const)('%s', async (_name, call, status, code) => {
    const res = await call();
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(errorOf(res)).toEqual({ code, message: expect.any(String) });
  });

  it('huge claimed dimensions are refused before decoding (413)', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).png().toBuffer();
    png.writeUInt32BE(60_000, 16); // IHDR width
    png.writeUInt32BE(60_000, 20); // IHDR height
    const res = await post(png, 'image/png');
    expect([413, 422]).toContain(res.status);
    if (res.status === 413) expect(errorOf(res).code).toBe('VSG_IMAGE_TOO_LARGE');
  });

  it('refuses links to the machine itself and never connects (400, canary untouched)', async () => {
    const links = [
      `http://127.0.0.1:${canary.port}/`,
      `http://2130706433:${canary.port}/`,
      `http://0x7f.1:${canary.port}/`,
      `http://[::ffff:127.0.0.1]:${canary.port}/`,
      `http://localhost:${canary.port}/`,
      `http://127.0.0.1:${photos.port}/redirect-to-canary`,
    ];
    for (const url of links) {
      const res = await post(JSON.stringify({ url }), 'application/json');
      expect(res.status, url).toBe(400);
      expect(errorOf(res).code, url).toBe('VSG_URL_FORBIDDEN');
    }
    expect(canary.connections).toBe(0);
  });

  it('unknown routes and expired analyses are 404 in the same shape', async () => {
    const missing = await send(`${server.url}/v2/nothing`);
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('VSG_NOT_FOUND');
    const expired = await send(`${server.url}/v1/analyses/${randomUUID()}/annotated`);
    expect(expired.status).toBe(404);
    expect(errorOf(expired).code).toBe('VSG_NOT_FOUND');
  });
});

describe('operations routes', () => {
  it('/healthz, /readyz', async () => {
    expect((await send(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await send(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', workersReady: 1, workers: 1 });
  });

  it('/metrics in the Prometheus text format', async () => {
    const res = await send(`${server.url}/metrics`);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    const text = res.body.toString();
    expect(text).toMatch(/visage_http_requests_total\{route="\/v1\/analyze",method="POST",status="200"\} \d+/);
    expect(text).toMatch(/visage_http_requests_total\{route="\/v1\/analyze",method="POST",status="415"\} \d+/);
    expect(text).toMatch(/visage_http_request_duration_seconds_bucket\{route="\/v1\/analyze",le="\+Inf"\} \d+/);
    expect(text).toMatch(/^visage_queue_depth 0$/m);
    expect(Number(/^visage_faces_found_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(6);
  });

  it('/openapi.json lists every route and /docs renders it as plain HTML', async () => {
    const doc = (await send(`${server.url}/openapi.json`)).json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, methods] of Object.entries(doc.paths)) {
      const concrete = path.replace('{id}', randomUUID());
      for (const method of Object.keys(methods)) {
        const res = await send(`${server.url}${concrete}`, { method: method.toUpperCase(), headers: { 'content-type': 'text/plain' }, body: method === 'post' ? 'x' : undefined });
        // A random id is 404 by design; every fixed path must exist.
        if (!path.includes('{id}')) expect(res.status, `${method} ${path}`).not.toBe(404);
        else expect(errorOf(res).code).toBe('VSG_NOT_FOUND');
      }
    }
    const docs = await send(`${server.url}/docs`);
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
    expect(docs.body.toString()).toContain('POST /v1/analyze');
    expect(docs.body.toString()).toContain('VSG_URL_FORBIDDEN');
    expect(docs.body.toString()).not.toMatch(/<script|src=|href="http/); // self-contained, works offline
  });
});
