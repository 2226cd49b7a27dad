// The Graph API client against the local fake: request shapes, retries on 429/5xx/slow answers with backoff,
// the attempt cap, refusals not retried, and the page token never in a log line or an error message.
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backoffMs, createGraphClient, type GraphClientOptions, type GraphLog } from '../../src/messenger/graph-client.js';
import { isVisageError } from '../../src/errors.js';
import { startFakeGraph, type FakeGraph } from '../channels/messenger/fake-graph.js';

const TOKEN = 'EAAGpageTokenThatMustNeverBeLogged123';

let graph: FakeGraph;
let lines: Array<{ level: string; details: object; message: string }>;

const log: GraphLog = {
  warn: (details, message) => lines.push({ level: 'warn', details, message }),
  error: (details, message) => lines.push({ level: 'error', details, message }),
};

const client = (options: Partial<GraphClientOptions> = {}) =>
  createGraphClient({ graphUrl: graph.url, accessToken: TOKEN, log, baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 2_000, ...options });

beforeAll(async () => {
  graph = await startFakeGraph({ accessToken: TOKEN });
});

afterAll(async () => {
  await graph?.close();
});

beforeEach(() => {
  graph.sent.length = 0;
  graph.attempts.length = 0;
  graph.intercept = undefined;
  lines = [];
});

describe('Graph client: the Send API', () => {
  it('sends text with quick replies as RESPONSE to the recipient', async () => {
    const result = await client().sendMessage('psid-1', {
      text: 'Hello.',
      quick_replies: [{ content_type: 'text', title: 'Practice', payload: 'PRACTICE' }],
    });
    expect(result.message_id).toMatch(/^m_fake_/);
    expect(graph.sent).toEqual([
      { kind: 'text', recipientId: 'psid-1', text: 'Hello.', messagingType: 'RESPONSE', quickReplies: [{ content_type: 'text', title: 'Practice', payload: 'PRACTICE' }] },
    ]);
  });

  it('uploads an image as multipart filedata with its quick replies', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toBuffer();
    await client().sendImage('psid-2', { data: png, contentType: 'image/png', filename: 'face.png' }, [
      { content_type: 'text', title: 'Stop', payload: 'STOP' },
    ]);
    const [sent] = graph.sent;
    expect(sent?.kind).toBe('image');
    if (sent?.kind !== 'image') return;
    expect(sent.upload?.bytes.equals(png)).toBe(true);
    expect(sent.upload?.contentType).toBe('image/png');
    expect(sent.upload?.filename).toBe('face.png');
    expect(sent.quickReplies).toHaveLength(1);
  });

  it('sends sender actions without a message', async () => {
    await client().senderAction('psid-3', 'typing_on');
    expect(graph.sent).toEqual([{ kind: 'action', recipientId: 'psid-3', action: 'typing_on' }]);
  });
});

describe('Graph client: failures', () => {
  it('retries 500 and 429 (honouring retry-after) and then succeeds', async () => {
    let calls = 0;
    graph.intercept = () => {
      calls += 1;
      if (calls === 1) return { status: 500 };
      if (calls === 2) return { status: 429, retryAfterS: 0 };
      return undefined;
    };
    await client().sendMessage('psid-4', { text: 'After two failures.' });
    expect(graph.attempts.map((a) => a.status)).toEqual([500, 429, 200]);
    expect(graph.sent).toHaveLength(1);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
  });

  it('retries an answer slower than the timeout', async () => {
    let calls = 0;
    graph.intercept = () => (++calls === 1 ? { delayMs: 800 } : undefined);
    await client({ timeoutMs: 200 }).sendMessage('psid-5', { text: 'Slow, then fast.' });
    expect(graph.sent.map((s) => s.recipientId)).toEqual(['psid-5']);
    expect(lines[0]?.details).toMatchObject({ status: 0, attempt: 1 });
  });

  it('gives up after maxAttempts with VSG_GRAPH_FAILED and an error log line without the token', async () => {
    graph.intercept = () => ({ status: 503 });
    const error = await client({ maxAttempts: 3 }).sendMessage('psid-6', { text: 'Never arrives.' }).catch((e: unknown) => e);
    expect(isVisageError(error) && error.code).toBe('VSG_GRAPH_FAILED');
    expect(graph.attempts).toHaveLength(3);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'error']);
    expect(lines[2]?.message).toMatch(/giving up/);
    const everything = JSON.stringify(lines) + String((error as Error).message) + String((error as Error).stack);
    expect(everything).not.toContain(TOKEN);
  });

  it('does not retry a refusal (a text over 2,000 characters)', async () => {
    const error = await client().sendMessage('psid-7', { text: 'x'.repeat(2001) }).catch((e: unknown) => e);
    expect(isVisageError(error) && error.code).toBe('VSG_GRAPH_FAILED');
    expect(graph.attempts.map((a) => a.status)).toEqual([400]);
    expect((error as Error).message).toMatch(/2000 or fewer characters/);
  });

  it('reports a wrong token as a refusal, and never repeats the token', async () => {
    const error = await createGraphClient({ graphUrl: graph.url, accessToken: 'wrong-token-value', log, maxAttempts: 2 })
      .sendMessage('psid-8', { text: 'x' })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/status 401/);
    expect(JSON.stringify(lines) + (error as Error).message).not.toContain('wrong-token-value');
  });

  it('retries a network failure (nothing listening)', async () => {
    const error = await createGraphClient({ graphUrl: 'http://127.0.0.1:9/v25.0', accessToken: TOKEN, log, maxAttempts: 2, baseDelayMs: 1 })
      .sendMessage('psid-9', { text: 'x' })
      .catch((e: unknown) => e);
    expect(isVisageError(error) && error.code).toBe('VSG_GRAPH_FAILED');
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
  });
});

describe('backoffMs', () => {
  it('doubles up to the cap, with jitter between half and all of it', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 100, 1000, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 100, 1000, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });
});
