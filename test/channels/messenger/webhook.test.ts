// The webhook on the real server: verification, the signature check before anything else, de-duplication of the
// same delivery (also after a restart on the same SQLite file), and the channel staying off without settings.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import type { AnalysisPool } from '../../../src/services/worker-pool.js';
import { send, type LoopbackServer, type TestServer } from '../../server/support/test-server.js';
import type { FakeGraph } from './fake-graph.js';
import {
  captureLog,
  delivery,
  imageMessage,
  messengerConfig,
  PAGE_TOKEN,
  postDelivery,
  startMessengerServer,
  tempDir,
  textMessage,
  texts,
  VERIFY_TOKEN,
  waitFor,
  WEBHOOK,
  type LogCapture,
  startMessengerHarness,
  type MessengerHarness,
} from './support.js';

let harness: MessengerHarness;
let pool: AnalysisPool;
let graph: FakeGraph;
let photos: LoopbackServer;
let server: TestServer;
let config: Config;
let log: LogCapture;

beforeAll(async () => {
  harness = await startMessengerHarness('messenger-webhook');
  ({ pool, graph, photos, server, config, log } = harness);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await harness?.closeRest();
});

const verifyUrl = (token: string, challenge = 'challenge-1234'): string =>
  `${server.url}${WEBHOOK}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=${challenge}`;

describe('GET verification', () => {
  it('echoes the challenge when the token matches', async () => {
    const res = await send(verifyUrl(VERIFY_TOKEN));
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('challenge-1234');
  });

  it('answers 403 on a wrong token, a wrong mode or no challenge', async () => {
    expect((await send(verifyUrl('not-the-token'))).status).toBe(403);
    expect((await send(`${server.url}${WEBHOOK}?hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`)).status).toBe(403);
    expect((await send(`${server.url}${WEBHOOK}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`)).status).toBe(403);
  });
});

describe('POST signature', () => {
  it('refuses a missing, malformed or wrong signature with 403 and sends nothing', async () => {
    const body = delivery(textMessage('psid-unsigned', 'hello'));
    const wrong = `sha256=${'0'.repeat(64)}`;
    for (const signature of [null, 'sha1=abc', wrong, 'sha256=zz']) {
      const res = await postDelivery(server, body, signature);
      expect(res.status, String(signature)).toBe(403);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('VSG_FORBIDDEN');
    }
    // A signature of another body (the attacker changed the text) is refused too.
    const { signBody } = await import('../../../src/channels/messenger/signature.js');
    const other = await postDelivery(server, body, signBody('another-secret', JSON.stringify(body)));
    expect(other.status).toBe(403);
    // A valid delivery from someone else is answered, proving the refused ones were never queued before it.
    expect((await postDelivery(server, delivery(textMessage('psid-after', 'hello')))).status).toBe(200);
    await waitFor(() => graph.sentTo('psid-after').some((s) => s.kind === 'text'), 'the answer to the signed message');
    expect(graph.sentTo('psid-unsigned')).toEqual([]);
    expect(log.text()).toContain('X-Hub-Signature-256 header is missing or wrong');
  });

  it('answers 200 at once, before the photo is analysed', async () => {
    const res = await postDelivery(server, delivery(imageMessage('psid-fast', [`http://127.0.0.1:${photos.port}/photo/single-happy-man-obama-official-portrait-face_recognition.jpg`])));
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('EVENT_RECEIVED');
    await waitFor(() => graph.sentTo('psid-fast').some((s) => s.kind === 'text' && s.text.includes('I found')), 'the photo answer');
  });

  it('refuses a signed body that is not a page delivery with 400', async () => {
    const res = await postDelivery(server, { object: 'instagram', entry: [] });
    expect(res.status).toBe(400);
  });
});

describe('the same delivery twice', () => {
  const sender = 'psid-dedup';
  const photoUrl = (): string => `http://127.0.0.1:${photos.port}/photo/multi-3faces-grimace-glasses-dlib-voc-2008_002506.jpg`;
  const imagesSent = (): number => graph.sentTo(sender).filter((s) => s.kind === 'image').length;
  let repeated: Record<string, unknown>;

  /** Sends a text after the repeats and waits for its answer: a sender's messages are answered in order. */
  async function settle(): Promise<void> {
    const markers = (): number => texts(graph.sentTo(sender)).filter((t) => t.startsWith('I read photos')).length;
    const before = markers();
    expect((await postDelivery(server, delivery(textMessage(sender, 'marker')))).status).toBe(200);
    await waitFor(() => markers() > before, 'the marker answer');
  }

  it('answers a retried delivery once', async () => {
    repeated = delivery(imageMessage(sender, [photoUrl()]));
    const [first, second] = await Promise.all([postDelivery(server, repeated), postDelivery(server, repeated)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect((await postDelivery(server, repeated)).status).toBe(200);
    await settle();
    expect(imagesSent()).toBe(1);
    expect(log.text()).toContain('already answered');
  });

  it('answers it once even after a restart on the same database', async () => {
    await server.close();
    server = await startMessengerServer(config, pool, log);
    const before = graph.sentTo(sender).length;
    expect((await postDelivery(server, repeated)).status).toBe(200);
    await settle();
    expect(imagesSent()).toBe(1);
    // Only the marker was answered after the restart.
    expect(texts(graph.sentTo(sender).slice(before))).toEqual([
      'I read photos, not words.\nPlease send a photo with one or more faces.\nYou can also tap Practice.',
    ]);
  });
});

describe('postbacks without a message id', () => {
  it('are answered once per sender and time, and no raw Messenger id reaches the database', async () => {
    const sender = 'psid-postback-twice';
    const tapped = { sender: { id: sender }, recipient: { id: 'PAGE-1' }, timestamp: 1_733_000_000_123, postback: { title: 'Get Started', payload: 'GET_STARTED' } };
    expect((await postDelivery(server, delivery(tapped))).status).toBe(200);
    expect((await postDelivery(server, delivery(tapped))).status).toBe(200);
    await postDelivery(server, delivery(textMessage(sender, 'marker')));
    await waitFor(() => texts(graph.sentTo(sender)).some((t) => t.startsWith('I read photos')), 'the marker answer');
    expect(texts(graph.sentTo(sender)).filter((t) => t.startsWith('Hello. I am Visage.'))).toHaveLength(1);
    const files = ['visage.db', 'visage.db-wal'].map((f) => join(config.dataDir, f)).filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes('psid-')).toBe(false);
  });
});

describe('settings and logs', () => {
  it('logs that the webhook is on, and never the page token or the app secret', () => {
    expect(log.text()).toContain('Messenger webhook is on at /webhooks/messenger');
    expect(log.text()).not.toContain(PAGE_TOKEN);
    expect(log.text()).not.toContain(config.messenger.appSecret ?? 'unset');
  });

  it('stays off, and says so at start, without the MESSENGER_* settings', async () => {
    const offLog = captureLog();
    const off = await startMessengerServer(messengerConfig({ graph, photos, dataDir: tempDir('messenger-off'), messenger: false }), pool, offLog);
    try {
      expect((await send(verifyUrl(VERIFY_TOKEN))).status).toBe(200);
      expect((await send(`${off.url}${WEBHOOK}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`)).status).toBe(404);
      const line = offLog.entries().find((e) => String(e.msg).startsWith('Messenger webhook is off'));
      expect(line?.msg).toBe('Messenger webhook is off: set MESSENGER_APP_SECRET, MESSENGER_PAGE_ACCESS_TOKEN, MESSENGER_VERIFY_TOKEN to turn it on');
    } finally {
      await off.close();
    }
  });
});
