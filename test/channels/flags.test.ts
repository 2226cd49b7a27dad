import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flagsPlugin } from '../../src/channels/http/flags.js';
import { installErrorReplies } from '../../src/channels/http/error-replies.js';
import { type AnalysisCache, createAnalysisCache } from '../../src/services/analysis-cache.js';
import { openDataStore, openStore, type Store } from '../../src/store/store.js';
import type { CachedAnalysis } from '../../src/services/analysis-cache.js';
import { makeCachedAnalysis } from '../store/helpers/analysis-fixtures.js';
import { fixedClock, SALT, useTempDirs } from '../store/helpers/store-fixtures.js';

const tempDir = useTempDirs();
const TOKEN = 'operator-token-for-tests';
let entry: CachedAnalysis;

beforeAll(async () => {
  entry = await makeCachedAnalysis();
});

interface Harness {
  app: FastifyInstance;
  store: Store;
  cache: AnalysisCache;
  clock: ReturnType<typeof fixedClock>;
  file: string;
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.app.close();
    h.store.close();
  }
});

async function harness(options: { operatorToken?: string; busyTimeoutMs?: number } = { operatorToken: TOKEN }): Promise<Harness> {
  const clock = fixedClock();
  const file = join(tempDir(), 'visage.db');
  const store = openStore({ file, salt: SALT, now: clock.now, busyTimeoutMs: options.busyTimeoutMs });
  const cache = createAnalysisCache({ ttlMs: 60_000, maxEntries: 10 }, clock);
  const app = Fastify({ logger: false });
  installErrorReplies(app);
  await app.register(flagsPlugin, { store, analyses: cache, operatorToken: options.operatorToken });
  await app.ready();
  const h = { app, store, cache, clock, file };
  open.push(h);
  return h;
}

function cookieOf(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return (header ?? '').split(';')[0] ?? '';
}

describe('POST /v1/flags', () => {
  it('stores the flag with the crop and the answer Visage gave, and answers 201 with its id', async () => {
    const { app, store, cache } = await harness();
    const analysisId = cache.put(entry);
    const res = await app.inject({ method: 'POST', url: '/v1/flags', payload: { analysisId, face: 2, emotion: 'sad', comment: 'She is upset' } });
    expect(res.statusCode).toBe(201);
    const { id } = res.json<{ id: number }>();
    expect(res.headers['set-cookie']).toMatch(/^visage_uid=[A-Za-z0-9_-]{24}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    const flag = store.flags.getWithCrop(id);
    expect(flag).toMatchObject({ channel: 'web', analysisId, faceNumber: 2, predicted: 'neutral', label: 'sad', comment: 'She is upset', status: 'pending' });
    expect(flag?.scores.neutral).toBeCloseTo(0.7, 6);
    expect(flag?.cropPng.equals(entry.faceCrops[1] ?? Buffer.alloc(0))).toBe(true);

    // Same browser, same face: the label is replaced, not duplicated.
    const cookie = cookieOf(res.headers['set-cookie']);
    const again = await app.inject({ method: 'POST', url: '/v1/flags', headers: { cookie }, payload: { analysisId, face: 2, emotion: 'fear' } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ id, status: 'pending' });
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(store.flags.list()).toHaveLength(1);
  });

  it('takes an app user id from X-Visage-User as channel "api"', async () => {
    const { app, store, cache } = await harness();
    const analysisId = cache.put(entry);
    const res = await app.inject({ method: 'POST', url: '/v1/flags', headers: { 'x-visage-user': 'app-user-7' }, payload: { analysisId, face: 1, emotion: 'angry' } });
    expect(res.statusCode).toBe(201);
    expect(store.flags.get(res.json<{ id: number }>().id)).toMatchObject({ channel: 'api', userId: store.users.hash('api', 'app-user-7') });
  });

  it('answers 404 VSG_NOT_FOUND once the analysis expired', async () => {
    const { app, cache, clock, store } = await harness();
    const analysisId = cache.put(entry);
    clock.advance(60_001);
    const res = await app.inject({ method: 'POST', url: '/v1/flags', payload: { analysisId, face: 1, emotion: 'sad' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'VSG_NOT_FOUND', message: expect.stringMatching(/expired/) } });
    expect(store.flags.list()).toEqual([]);
  });

  it('answers 400 VSG_REQUEST_INVALID to bad input', async () => {
    const { app, cache, store } = await harness();
    const analysisId = cache.put(entry);
    const bad: unknown[] = [
      {},
      { analysisId, face: 1 },
      { analysisId, face: 0, emotion: 'sad' },
      { analysisId, face: 1.5, emotion: 'sad' },
      { analysisId, face: 4, emotion: 'sad' },
      { analysisId, face: 1, emotion: 'bored' },
      { analysisId, face: 1, emotion: 'sad', comment: 'x'.repeat(501) },
    ];
    for (const payload of bad) {
      const res = await app.inject({ method: 'POST', url: '/v1/flags', payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'VSG_REQUEST_INVALID' } });
    }
    const notJson = await app.inject({ method: 'POST', url: '/v1/flags', headers: { 'content-type': 'application/json' }, payload: '{"analysisId":' });
    expect(notJson.statusCode).toBe(400);
    expect(store.flags.list()).toEqual([]);
  });

  it('answers 503 VSG_STORAGE_FAILED, not 2xx, when the database stays locked', async () => {
    const { app, cache, store, file } = await harness({ operatorToken: TOKEN, busyTimeoutMs: 50 });
    const analysisId = cache.put(entry);
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const res = await app.inject({ method: 'POST', url: '/v1/flags', payload: { analysisId, face: 1, emotion: 'sad' } });
    other.exec('ROLLBACK');
    other.close();
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'VSG_STORAGE_FAILED', message: expect.stringMatching(/locked/) } });
    expect(store.flags.list()).toEqual([]);
  });
});

describe('DELETE /v1/me', () => {
  it("deletes this browser's flags and practice rounds and clears its cookie", async () => {
    const { app, cache, store } = await harness();
    const analysisId = cache.put(entry);
    const first = await app.inject({ method: 'POST', url: '/v1/flags', payload: { analysisId, face: 1, emotion: 'sad' } });
    const cookie = cookieOf(first.headers['set-cookie']);
    const userId = store.users.hash('web', cookie.split('=')[1] ?? '');
    store.practice.start({ userId, channel: 'web', itemId: 'fer2013:1', expected: 'fear' });
    const other = await app.inject({ method: 'POST', url: '/v1/flags', payload: { analysisId, face: 3, emotion: 'fear' } });

    const res = await app.inject({ method: 'DELETE', url: '/v1/me', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ deleted: { users: 1, flags: 1, practiceRounds: 1 } });
    expect(res.headers['set-cookie']).toMatch(/^visage_uid=; Path=\/; Max-Age=0/);
    expect(store.flags.list().map((f) => f.id)).toEqual([other.json<{ id: number }>().id]);
    const none = await app.inject({ method: 'DELETE', url: '/v1/me' });
    expect(none.json()).toEqual({ deleted: { users: 0, flags: 0, practiceRounds: 0 } });
  });
});

describe('operator review', () => {
  it('needs the operator token, lists pending flags, serves crops and records decisions', async () => {
    const { app, cache } = await harness();
    const analysisId = cache.put(entry);
    const ids: number[] = [];
    for (const face of [1, 2, 3]) {
      const res = await app.inject({ method: 'POST', url: '/v1/flags', headers: { 'x-visage-user': 'u1' }, payload: { analysisId, face, emotion: 'sad' } });
      ids.push(res.json<{ id: number }>().id);
    }
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await app.inject({ method: 'GET', url: '/v1/flags' })).statusCode).toBe(401);
    const wrong = await app.inject({ method: 'GET', url: '/v1/flags', headers: { authorization: 'Bearer nope' } });
    expect(wrong.json()).toMatchObject({ error: { code: 'VSG_UNAUTHORIZED' } });

    const pending = await app.inject({ method: 'GET', url: '/v1/flags?status=pending', headers: auth });
    expect(pending.statusCode).toBe(200);
    expect(pending.json<{ flags: Array<{ id: number }> }>().flags.map((f) => f.id)).toEqual(ids);
    expect(JSON.stringify(pending.json())).not.toContain('crop');

    const crop = await app.inject({ method: 'GET', url: `/v1/flags/${ids[0]}/crop.png`, headers: auth });
    expect(crop.headers['content-type']).toBe('image/png');
    expect(crop.rawPayload.equals(entry.faceCrops[0] ?? Buffer.alloc(0))).toBe(true);

    const review = await app.inject({ method: 'POST', url: `/v1/flags/${ids[1]}/review`, headers: auth, payload: { decision: 'accept' } });
    expect(review.json()).toMatchObject({ id: ids[1], status: 'accepted' });
    await app.inject({ method: 'POST', url: `/v1/flags/${ids[2]}/review`, headers: auth, payload: { decision: 'reject' } });
    const accepted = await app.inject({ method: 'GET', url: '/v1/flags?status=accepted', headers: auth });
    expect(accepted.json()).toMatchObject({ flags: [{ id: ids[1], label: 'sad' }], counts: { pending: 1, accepted: 1, rejected: 1 } });

    const missing = await app.inject({ method: 'POST', url: '/v1/flags/999/review', headers: auth, payload: { decision: 'accept' } });
    expect(missing.statusCode).toBe(404);
    const badDecision = await app.inject({ method: 'POST', url: `/v1/flags/${ids[0]}/review`, headers: auth, payload: { decision: 'maybe' } });
    expect(badDecision.statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: `/v1/flags/${ids[0]}/review`, payload: { decision: 'accept' } })).statusCode).toBe(401);
  });

  it('is off (403) when no operator token is configured', async () => {
    const { app } = await harness({});
    const res = await app.inject({ method: 'GET', url: '/v1/flags', headers: { authorization: 'Bearer anything' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'VSG_FORBIDDEN' } });
  });
});

interface RunningServer {
  child: ChildProcessWithoutNullStreams;
  port: number;
  analysisIds: string[];
  exited: Promise<void>;
}

function startServer(dataDir: string): Promise<RunningServer> {
  const child = spawn(
    process.execPath,
    ['--import', './test/store/helpers/ts-register.mjs', './test/store/helpers/flag-server.ts', dataDir, '4'],
    { stdio: 'pipe' },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve({ child, exited, ...(JSON.parse(line) as { port: number; analysisIds: string[] }) });
    });
    child.on('exit', (code) => reject(new Error(`server exited early (${String(code)}): ${err}`)));
  });
}

function postFlag(port: number, agent: Agent, body: object, user: string): Promise<{ status: number; id?: number }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/v1/flags', method: 'POST', agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-visage-user': user } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, id: (JSON.parse(text) as { id?: number }).id }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('a server killed in the middle of a burst of flags', () => {
  it('restarts with a sound database holding every flag it acknowledged', async () => {
    const dataDir = tempDir();
    const server = await startServer(dataDir);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const acknowledged = new Map<string, number>();
    let sent = 0;
    let killed = false;
    const client = async (): Promise<void> => {
      while (!killed) {
        const n = sent++;
        const user = `crash-user-${n}`;
        const analysisId = server.analysisIds[n % server.analysisIds.length] ?? '';
        try {
          const res = await postFlag(server.port, agent, { analysisId, face: (n % 3) + 1, emotion: 'sad' }, user);
          if (res.status === 201 && res.id !== undefined) acknowledged.set(user, res.id);
          else if (!killed) throw new Error(`unexpected status ${res.status}`);
        } catch (error) {
          if (!killed) throw error;
        }
        // SIGKILL while requests are in flight, once a good number has been acknowledged.
        if (acknowledged.size >= 150 && !killed) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    await server.exited;
    agent.destroy();
    expect(sent).toBeGreaterThan(acknowledged.size);

    // A fresh server on the same data folder starts and takes flags again.
    const restarted = await startServer(dataDir);
    const after = await postFlag(restarted.port, new Agent(), { analysisId: restarted.analysisIds[0], face: 1, emotion: 'fear' }, 'after-restart');
    expect(after.status).toBe(201);
    restarted.child.kill('SIGTERM');
    await restarted.exited;

    const store = openDataStore(dataDir);
    expect(store.integrityCheck()).toEqual(['ok']);
    for (const [user, id] of acknowledged) {
      expect(store.flags.get(id), `flag ${id} of ${user}`).toMatchObject({ userId: store.users.hash('api', user), label: 'sad', channel: 'api' });
    }
    store.close();
  }, 60_000);
});
