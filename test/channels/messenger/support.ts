// What the Messenger tests share: the real server with the channel on, pointed at the fake Graph API; a loopback
// photo server allowed by the fetch allow list; signed webhook deliveries; a log capture; a small FER2013 file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Config } from '../../../src/config.js';
import { readFer2013 } from '../../../src/evaluation/fer2013.js';
import { signBody } from '../../../src/channels/messenger/signature.js';
import { EMOTIONS, type Emotion } from '../../../src/pipeline/types.js';
import { defaultLogger } from '../../../src/server.js';
import type { AnalysisPool } from '../../../src/services/worker-pool.js';
import { FER_CSV, photo } from '../../helpers/paths.js';
import { send, startLoopbackServer, startTestPool, startTestServer, testConfig, type LoopbackServer, type RawResponse, type TestServer } from '../../server/support/test-server.js';
import { startFakeGraph, type FakeGraph, type Sent } from './fake-graph.js';

export const APP_SECRET = 'app-secret-used-only-in-tests';
export const PAGE_TOKEN = 'EAAtestPageAccessTokenNeverLogged';
export const VERIFY_TOKEN = 'verify-token-for-tests';
export const PAGE_ID = 'PAGE-1';
export const WEBHOOK = '/webhooks/messenger';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `visage-${prefix}-`));
}

/** Serves /photo/<file name> from the shared photos folder, and 404 for anything else. */
export function startPhotoServer(): Promise<LoopbackServer> {
  return startLoopbackServer((req, res) => {
    const name = /^\/photo\/([\w.-]+)$/.exec(req.url ?? '')?.[1];
    if (name === undefined) return void res.writeHead(404).end();
    let bytes: Buffer;
    try {
      bytes = readFileSync(photo(name));
    } catch {
      return void res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(bytes);
  });
}

export function messengerConfig(options: { graph: FakeGraph; photos: LoopbackServer; dataDir: string; ferCsvPath?: string; messenger?: boolean }): Config {
  const on = options.messenger ?? true;
  return testConfig({
    dataDir: options.dataDir,
    fetch: { allow: [`127.0.0.1:${options.photos.port}`], totalTimeoutMs: 5_000 },
    messenger: on
      ? { appSecret: APP_SECRET, pageAccessToken: PAGE_TOKEN, verifyToken: VERIFY_TOKEN, graphUrl: options.graph.url }
      : { appSecret: undefined, pageAccessToken: undefined, verifyToken: undefined, graphUrl: options.graph.url },
    practice: { ferCsvPath: options.ferCsvPath, photosDir: undefined },
  });
}

export interface LogCapture {
  stream: Writable;
  text(): string;
  entries(): Array<Record<string, unknown>>;
}

export function captureLog(): LogCapture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = (): string => chunks.join('');
  return {
    stream,
    text,
    entries: () => text().split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export function startMessengerServer(config: Config, pool: AnalysisPool, log: LogCapture): Promise<TestServer> {
  return startTestServer(config, { pool, logger: defaultLogger({ ...config, logLevel: 'info' }, log.stream) });
}

/** Everything a Messenger test file starts: one worker, the fake Graph API, the photo server and the real server. */
export interface MessengerHarness {
  pool: AnalysisPool;
  graph: FakeGraph;
  photos: LoopbackServer;
  config: Config;
  log: LogCapture;
  /** The server as started; a test that restarts it closes its own replacement. */
  server: TestServer;
  /** Closes the pool, the fake Graph API and the photo server (not the server: see above). */
  closeRest(): Promise<void>;
}

export async function startMessengerHarness(name: string, options: { practice?: boolean } = {}): Promise<MessengerHarness> {
  const pool = startTestPool(1, 8);
  const graph = await startFakeGraph({ accessToken: PAGE_TOKEN });
  const photos = await startPhotoServer();
  const dataDir = tempDir(name);
  const ferCsvPath = options.practice === true ? await writeFerFixture(dataDir) : undefined;
  const config = messengerConfig({ graph, photos, dataDir, ...(ferCsvPath === undefined ? {} : { ferCsvPath }) });
  const log = captureLog();
  const server = await startMessengerServer(config, pool, log);
  await pool.whenReady();
  return {
    pool, graph, photos, config, log, server,
    async closeRest() {
      await pool.close();
      await graph.close();
      await photos.close();
    },
  };
}

// ---- Webhook deliveries as Messenger sends them ----

let counter = 0;
export const nextMid = (): string => `m_test_${Date.now()}_${++counter}`;

type Messaging = Record<string, unknown>;

export function delivery(...messaging: Messaging[]): Record<string, unknown> {
  return { object: 'page', entry: [{ id: PAGE_ID, time: Date.now(), messaging }] };
}

const base = (sender: string): Messaging => ({ sender: { id: sender }, recipient: { id: PAGE_ID }, timestamp: Date.now() });

export function imageMessage(sender: string, urls: readonly string[], mid = nextMid()): Messaging {
  return { ...base(sender), message: { mid, attachments: urls.map((url) => ({ type: 'image', payload: { url } })) } };
}

export function textMessage(sender: string, text: string, mid = nextMid()): Messaging {
  return { ...base(sender), message: { mid, text } };
}

export function quickReplyMessage(sender: string, reply: { title?: string; payload?: string }, mid = nextMid()): Messaging {
  return { ...base(sender), message: { mid, text: reply.title ?? '', quick_reply: { payload: reply.payload } } };
}

export function attachmentMessage(sender: string, type: string, payload: Record<string, unknown>, mid = nextMid()): Messaging {
  return { ...base(sender), message: { mid, attachments: [{ type, payload }] } };
}

export function postbackMessage(sender: string, payload: string, mid = nextMid()): Messaging {
  return { ...base(sender), postback: { mid, title: 'Get Started', payload } };
}

/** POSTs a delivery with a correct signature (or the one given, or none). */
export function postDelivery(server: TestServer, body: unknown, signature?: string | null): Promise<RawResponse> {
  const raw = JSON.stringify(body);
  const header = signature === undefined ? signBody(APP_SECRET, raw) : signature;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(header === null ? {} : { 'x-hub-signature-256': header }) };
  return send(`${server.url}${WEBHOOK}`, { method: 'POST', headers, body: raw });
}

/** Polls until the condition holds (the work after a webhook's 200 runs in the background). */
export async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const texts = (sent: readonly Sent[]): string[] => sent.flatMap((s) => (s.kind === 'text' ? [s.text] : []));

/** The last text sent to the user that contains the words, with its quick replies. */
export function lastTextWith(graph: FakeGraph, sender: string, words: string): Extract<Sent, { kind: 'text' }> | undefined {
  return graph
    .sentTo(sender)
    .filter((s): s is Extract<Sent, { kind: 'text' }> => s.kind === 'text' && s.text.includes(words))
    .at(-1);
}

/** A small FER2013-layout file with real faces from the shared file: `perEmotion` PublicTest rows per emotion. */
export async function writeFerFixture(dir: string, perEmotion = 2): Promise<string> {
  const counts = new Map<Emotion, number>(EMOTIONS.map((e) => [e, 0]));
  const rows: string[] = ['emotion,pixels,Usage'];
  for await (const face of readFer2013(FER_CSV, 'PublicTest')) {
    const n = counts.get(face.label) ?? 0;
    if (n >= perEmotion) continue;
    counts.set(face.label, n + 1);
    rows.push(`${EMOTIONS.indexOf(face.label)},${Array.from(face.pixels).join(' ')},PublicTest`);
    if ([...counts.values()].every((c) => c >= perEmotion)) break;
  }
  const file = join(dir, 'fer2013-practice.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}
