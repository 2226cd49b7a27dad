// Photos and everything else a user can send, on the real server with real models: a group photo answered with
// the annotated image and a line per face; several photos at once; a photo with no face; each non-photo message
// kind; and the Graph API failing (retried, then given up with a log line, the server still answering).
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMOTION_WORDS } from '../../../src/pipeline/describe.js';
import { photo } from '../../helpers/paths.js';
import type { LoopbackServer, TestServer } from '../../server/support/test-server.js';
import type { FakeGraph, Sent } from './fake-graph.js';
import {
  attachmentMessage,
  delivery,
  imageMessage,
  PAGE_TOKEN,
  postbackMessage,
  postDelivery,
  textMessage,
  texts,
  waitFor,
  type LogCapture,
  startMessengerHarness,
  type MessengerHarness,
} from './support.js';

let harness: MessengerHarness;
let graph: FakeGraph;
let photos: LoopbackServer;
let server: TestServer;
let log: LogCapture;

beforeAll(async () => {
  harness = await startMessengerHarness('messenger-photos');
  ({ graph, photos, server, log } = harness);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await harness?.closeRest();
});

const photoUrl = (name: string): string => `http://127.0.0.1:${photos.port}/photo/${name}`;
const GROUP = 'multi-6faces-selfie-glasses-face_classification-test_image.jpg';

/** Waits until the user got a text with quick replies (the end of every photo answer) or a text with the words. */
async function answerTo(sender: string, until: (sent: Sent[]) => boolean): Promise<Sent[]> {
  return waitFor(() => (until(graph.sentTo(sender)) ? graph.sentTo(sender) : undefined), `the answer to ${sender}`);
}

const endsWithQuickReplies = (sent: Sent[]): boolean => sent.some((s) => s.kind === 'text' && s.quickReplies.length > 0);

describe('a group photo', () => {
  it('gets mark_seen, typing_on, the annotated image, a line per face and the three quick replies', async () => {
    const sender = 'psid-group';
    await postDelivery(server, delivery(imageMessage(sender, [photoUrl(GROUP)])));
    const sent = await answerTo(sender, endsWithQuickReplies);
    expect(sent.slice(0, 2)).toEqual([
      { kind: 'action', recipientId: sender, action: 'mark_seen' },
      { kind: 'action', recipientId: sender, action: 'typing_on' },
    ]);
    const image = sent.find((s) => s.kind === 'image');
    if (image?.kind !== 'image' || image.upload === undefined) throw new Error('no uploaded image');
    expect(image.upload.contentType).toBe('image/jpeg');
    const original = await sharp(photo(GROUP)).metadata();
    const annotated = await sharp(image.upload.bytes).metadata();
    expect([annotated.width, annotated.height]).toEqual([original.width, original.height]);
    const text = texts(sent).join('\n');
    const count = Number(/I found (\d+) faces\./.exec(text)?.[1]);
    expect(count).toBeGreaterThanOrEqual(4);
    expect(count).toBeLessThanOrEqual(8);
    const lines = text.split('\n').filter((l) => /Person \d+/.test(l));
    expect(lines).toHaveLength(count);
    for (const [i, line] of lines.entries()) {
      expect(line).toContain(`Person ${i + 1}, `);
      expect(line).toMatch(/on the left|in the middle|on the right/);
      expect(line).toMatch(new RegExp(`(${Object.values(EMOTION_WORDS).join('|')})`));
      expect(line).toMatch(/I'm (very sure|fairly sure|not very sure|not sure)/);
    }
    const last = sent.at(-1);
    expect(last?.kind === 'text' && last.quickReplies.map((q) => q.title)).toEqual(["That's wrong", 'How can I tell?', 'Practice']);
  });

  it('answers several photos in one message, each with its own image', async () => {
    const sender = 'psid-two-photos';
    await postDelivery(server, delivery(imageMessage(sender, [photoUrl('single-happy-man-obama-official-portrait-face_recognition.jpg'), photoUrl(GROUP)])));
    const sent = await answerTo(sender, (s) => texts(s).some((t) => t.startsWith('Photo 2 of 2.')) && s.filter((x) => x.kind === 'text' && x.quickReplies.length > 0).length === 2);
    expect(sent.filter((s) => s.kind === 'image')).toHaveLength(2);
    expect(texts(sent)[0]).toMatch(/^Photo 1 of 2\.\nI found 1 face\.\n.* Person 1\b/);
  });
});

describe('photos without an answer', () => {
  it('says kindly that there is no face, without an image', async () => {
    const sender = 'psid-noface';
    await postDelivery(server, delivery(imageMessage(sender, [photoUrl('noface-rocket-launchpad-skimage.jpg')])));
    const sent = await answerTo(sender, (s) => texts(s).length > 0);
    expect(texts(sent)).toEqual(['I could not find a face in this photo.\nPlease send a photo where the faces are clear and not too small.']);
    expect(sent.some((s) => s.kind === 'image')).toBe(false);
  });

  it('says it could not download an attachment that is not there', async () => {
    const sender = 'psid-gone';
    await postDelivery(server, delivery(imageMessage(sender, [photoUrl('no-such-photo.jpg')])));
    const sent = await answerTo(sender, (s) => texts(s).length > 0);
    expect(texts(sent)).toEqual(['I could not download this photo.\nPlease send it again.']);
  });
});

describe('every other kind of message gets a short, kind, useful answer', () => {
  const cases: Array<[string, (sender: string) => Record<string, unknown>, string]> = [
    ['text', (s) => textMessage(s, 'What is this?'), 'I read photos, not words.'],
    ['greeting', (s) => textMessage(s, 'Hello!'), 'Hello. I am Visage.'],
    ['sticker', (s) => ({ ...attachmentMessage(s, 'image', { url: photoUrl(GROUP), sticker_id: 369239263222822 }), }), 'Thank you for the sticker.'],
    ['audio', (s) => attachmentMessage(s, 'audio', { url: 'https://cdn.example/a.mp4' }), 'I cannot listen to audio.'],
    ['video', (s) => attachmentMessage(s, 'video', { url: 'https://cdn.example/v.mp4' }), 'I cannot read videos.'],
    ['file', (s) => attachmentMessage(s, 'file', { url: 'https://cdn.example/f.pdf' }), 'I cannot open files.'],
    ['location', (s) => attachmentMessage(s, 'location', { coordinates: { lat: 1, long: 2 } }), 'I cannot use a location.'],
    ['a link that cannot be fetched', (s) => textMessage(s, `look http://127.0.0.1:${photos.port}/nothing-here`), 'I could not open the photo behind that link.'],
    ['a link to a private address', (s) => textMessage(s, 'http://10.1.2.3/photo.jpg'), 'I could not open the photo behind that link.'],
    ['a shared link (fallback)', (s) => attachmentMessage(s, 'fallback', { url: 'http://192.168.0.9/x.jpg', title: 'x' }), 'I could not open the photo behind that link.'],
    ['Practice on a server with no practice faces', (s) => textMessage(s, 'Practice'), 'Practice is not set up on this Visage yet.'],
    ['the Get Started button', (s) => postbackMessage(s, 'GET_STARTED'), 'Send me a photo with people in it.'],
  ];

  it.each(cases)('%s', async (name, make, expected) => {
    const sender = `psid-kind-${name.replace(/\W+/g, '-')}`;
    expect((await postDelivery(server, delivery(make(sender)))).status).toBe(200);
    const sent = await answerTo(sender, (s) => texts(s).length > 0);
    const [answer] = texts(sent);
    expect(answer).toContain(expected);
    expect(answer?.split('\n').length).toBeLessThanOrEqual(4);
    expect(sent.some((s) => s.kind === 'image')).toBe(false);
  });

  it('refused the private addresses before connecting (VSG_URL_FORBIDDEN in the log)', () => {
    expect(log.text()).toContain('VSG_URL_FORBIDDEN');
  });
});

describe('Graph API failures', () => {
  it('retries a 429 and a slow answer and still answers once', async () => {
    const sender = 'psid-flaky';
    let calls = 0;
    graph.intercept = (r) => {
      if (r.recipientId !== sender || r.kind !== 'text') return undefined;
      calls += 1;
      return calls === 1 ? { status: 429, retryAfterS: 0 } : calls === 2 ? { status: 500 } : calls === 3 ? { delayMs: 1_500 } : undefined;
    };
    await postDelivery(server, delivery(textMessage(sender, 'Good morning')));
    const sent = await answerTo(sender, (s) => texts(s).length > 0);
    expect(texts(sent)).toHaveLength(1);
    expect(graph.attempts.filter((a) => a.recipientId === sender && a.status !== 200).map((a) => a.status)).toEqual([429, 500]);
    graph.intercept = undefined;
  });

  it('gives up after the last attempt with a log line, does not crash, and answers the next user', async () => {
    const sender = 'psid-graph-down';
    graph.intercept = (r) => (r.recipientId === sender ? { status: 500 } : undefined);
    await postDelivery(server, delivery(imageMessage(sender, [photoUrl(GROUP)])));
    const gaveUp = (e: Record<string, unknown>): boolean => e.msg === 'Graph API request failed; giving up after the last attempt' && e.maxAttempts === 4;
    await waitFor(() => log.entries().some(gaveUp), 'the give-up log line');
    // mark_seen and typing_on are tried once (they are only cosmetic), the image 4 times; the text after the lost
    // image is not tried, so the user never gets half an answer.
    await waitFor(() => log.text().includes('the rest of this answer is skipped'), 'the skip line');
    const failed = graph.attempts.filter((a) => a.recipientId === sender && a.status === 500);
    expect(failed).toHaveLength(2 + 4);
    expect(graph.sentTo(sender)).toEqual([]);
    graph.intercept = undefined;
    await postDelivery(server, delivery(textMessage('psid-next', 'hi')));
    await answerTo('psid-next', (s) => texts(s).length > 0);
    expect(log.text()).not.toContain(PAGE_TOKEN);
  });
});
