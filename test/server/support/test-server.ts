// Starts the real server on 127.0.0.1:0 with test settings, plus helpers the server tests share.
import { mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../../src/config.js';
import { buildServer, type ServerDeps } from '../../../src/server.js';
import { createAnalysisPool, type AnalysisPool } from '../../../src/services/worker-pool.js';
import { tsWorkerExecArgv } from '../../services/support/worker-support.js';

/** Model folder for tests: VISAGE_TEST_MODEL_DIR, else the bundled models. */
export function testModelDir(): string | undefined {
  const dir = process.env.VISAGE_TEST_MODEL_DIR;
  return dir === undefined || dir === '' ? undefined : dir;
}

export function startTestPool(workers: number, queueSize: number, workerUrl?: URL): AnalysisPool {
  return createAnalysisPool({
    workers,
    queueSize,
    modelDir: testModelDir(),
    execArgv: tsWorkerExecArgv(),
    ...(workerUrl === undefined ? {} : { workerUrl }),
  });
}

type Overrides = { [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K] };

export function testConfig(overrides: Overrides = {}): Config {
  const base = loadConfig({ env: {}, cwd: '/tmp' });
  // Each server gets its own data folder (the flag database lives there).
  const dataDir = mkdtempSync(join(tmpdir(), 'visage-server-test-'));
  const merged: Record<string, unknown> = { ...base, dataDir, rateLimit: { burst: 10_000, perSecond: 10_000 } };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] = typeof value === 'object' && !Array.isArray(value) && typeof current === 'object' ? { ...current, ...value } : value;
  }
  return merged as unknown as Config;
}

export interface TestServer {
  app: FastifyInstance;
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startTestServer(config: Config, deps: ServerDeps): Promise<TestServer> {
  const app = buildServer(config, { logger: false, ...deps });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { app, url, port, close: () => app.close() };
}

/** A loopback HTTP server; `connections` counts every TCP connection it ever accepted. */
export interface LoopbackServer {
  server: Server;
  port: number;
  connections: number;
  close(): Promise<void>;
}

export async function startLoopbackServer(handler: Parameters<typeof createServer>[1]): Promise<LoopbackServer> {
  const server = createServer(handler);
  const state: LoopbackServer = {
    server,
    port: 0,
    connections: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('connection', () => {
    state.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

/** One HTTP request with node:http (no connection reuse, so concurrency is real). */
export function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A multipart/form-data body with one file part. */
export function multipartBody(field: string, filename: string, bytes: Buffer, type = 'image/jpeg'): { body: Buffer; contentType: string } {
  const boundary = `----visage${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

export function errorOf(res: RawResponse): { code: string; message: string } {
  return res.json<{ error: { code: string; message: string } }>().error;
}
