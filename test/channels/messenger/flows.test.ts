// The conversations after a photo, end to end through the webhook: "That's wrong" (which face, which emotion, the
// flag with its crop in the database, thanks), "How can I tell?" (the cues for the emotions just named), and the
// practice game (a face, seven emotions, feedback with the right answer and its cue, a running score, "stop").
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMOTION_CUES, EMOTION_WORDS } from '../../../src/pipeline/describe.js';
import { EMOTIONS, type Emotion } from '../../../src/pipeline/types.js';
import type { LoopbackServer, TestServer } from '../../server/support/test-server.js';
import type { FakeGraph, Sent, SentQuickReply } from './fake-graph.js';
import {
  delivery,
  imageMessage,
  lastTextWith,
  postDelivery,
  quickReplyMessage,
  textMessage,
  waitFor,
  startMessengerHarness,
  type MessengerHarness,
} from './support.js';

let harness: MessengerHarness;
let graph: FakeGraph;
let photos: LoopbackServer;
let server: TestServer;

beforeAll(async () => {
  harness = await startMessengerHarness('messenger-flows', { practice: true });
  ({ graph, photos, server } = harness);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await harness?.closeRest();
});

const GROUP = 'multi-3faces-grimace-glasses-dlib-voc-2008_002506.jpg';
const photoUrl = (name: string): string => `http://127.0.0.1:${photos.port}/photo/${name}`;

type TextSent = Extract<Sent, { kind: 'text' }>;
type ImageSent = Extract<Sent, { kind: 'image' }>;

const waitText = (sender: string, words: string): Promise<TextSent> =>
  waitFor(() => lastTextWith(graph, sender, words), `"${words}" to ${sender}`);

const countImages = (sender: string): number => graph.sentTo(sender).filter((s) => s.kind === 'image').length;

async function waitImage(sender: string, count: number): Promise<ImageSent> {
  return waitFor(() => {
    const images = graph.sentTo(sender).filter((s): s is ImageSent => s.kind === 'image');
    return images.length >= count ? images[count - 1] : undefined;
  }, `image ${count} to ${sender}`);
}

function tap(sender: string, reply: SentQuickReply | undefined) {
  if (reply === undefined) throw new Error('no such quick reply');
  return postDelivery(server, delivery(quickReplyMessage(sender, reply)));
}

const byTitle = (replies: readonly SentQuickReply[], title: string): SentQuickReply | undefined => replies.find((q) => q.title === title);

async function photoAnswer(sender: string): Promise<TextSent> {
  await postDelivery(server, delivery(imageMessage(sender, [photoUrl(GROUP)])));
  return waitText(sender, 'I found');
}

describe("That's wrong", () => {
  it('asks which face, then which emotion, stores the flag with the crop, and thanks the user', async () => {
    const sender = 'psid-flagger';
    const answer = await photoAnswer(sender);
    const faces = Number(/I found (\d+) faces/.exec(answer.text)?.[1]);
    expect(faces).toBeGreaterThanOrEqual(2);

    await tap(sender, byTitle(answer.quickReplies, "That's wrong"));
    const which = await waitText(sender, 'Which face is wrong?');
    expect(which.quickReplies.map((q) => q.title)).toEqual(Array.from({ length: faces }, (_, i) => `Person ${i + 1}`));

    await tap(sender, byTitle(which.quickReplies, 'Person 2'));
    const ask = await waitText(sender, 'Which emotion does Person 2 show?');
    expect(ask.quickReplies).toHaveLength(7);
    const said = EMOTIONS.find((e) => ask.text.includes(`I said Person 2 looks ${EMOTION_WORDS[e]}.`));
    if (said === undefined) throw new Error(`no prediction in "${ask.text}"`);
    const label: Emotion = said === 'sad' ? 'happy' : 'sad';
    await tap(sender, ask.quickReplies.find((q) => q.title?.endsWith(` ${EMOTION_WORDS[label]}`)));
    const thanks = await waitText(sender, 'Thank you. I saved it');
    expect(thanks.text).toBe(`Thank you. I saved it: Person 2 looks ${EMOTION_WORDS[label]}.\nThis helps Visage learn.`);

    const store = server.app.visage.store;
    const [flag] = store.flags.list();
    expect(flag).toMatchObject({ channel: 'messenger', faceNumber: 2, predicted: said, label, status: 'pending' });
    expect(flag?.userId).toBe(store.users.hash('messenger', sender));
    expect(flag?.userId).not.toContain(sender);
    const crop = store.flags.getWithCrop(flag?.id ?? 0)?.cropPng ?? Buffer.alloc(0);
    const meta = await sharp(crop).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 96, 96]);
    expect(Object.values(flag?.scores ?? {}).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
  });

  it("refuses another user's photo (the payload is not theirs) and a label equal to the answer", async () => {
    const owner = 'psid-owner';
    const answer = await photoAnswer(owner);
    const wrong = byTitle(answer.quickReplies, "That's wrong");
    await tap('psid-stranger', wrong);
    expect((await waitText('psid-stranger', 'I no longer have that photo.')).text).toContain('Please send it again');

    await tap(owner, wrong);
    const which = await waitText(owner, 'Which face is wrong?');
    await tap(owner, byTitle(which.quickReplies, 'Person 1'));
    const ask = await waitText(owner, 'Which emotion does Person 1 show?');
    const said = EMOTIONS.find((e) => ask.text.includes(`looks ${EMOTION_WORDS[e]}.`)) ?? 'neutral';
    const before = server.app.visage.store.flags.list().length;
    await tap(owner, ask.quickReplies.find((q) => q.title?.endsWith(` ${EMOTION_WORDS[said]}`)));
    await waitText(owner, 'That is what I said too, so I saved nothing.');
    expect(server.app.visage.store.flags.list()).toHaveLength(before);
  });
});

describe('How can I tell?', () => {
  it('gives the cues for the emotions just named, in plain words', async () => {
    const sender = 'psid-cues';
    const answer = await photoAnswer(sender);
    const said = (e: Emotion): boolean => [` looks ${EMOTION_WORDS[e]}.`, ` ${EMOTION_WORDS[e]} or `, ` or ${EMOTION_WORDS[e]}.`].some((w) => answer.text.includes(w));
    await tap(sender, byTitle(answer.quickReplies, 'How can I tell?'));
    const cues = await waitText(sender, 'What to look for:');
    for (const emotion of EMOTIONS) expect(cues.text.includes(EMOTION_CUES[emotion]), emotion).toBe(said(emotion));
    expect(cues.text.split('\n').length).toBeLessThanOrEqual(8);
  });
});

describe('Practice', () => {
  it('plays a round: a face, seven emotions, feedback with the right answer and its cue, a running score, stop', async () => {
    const sender = 'psid-player';
    await postDelivery(server, delivery(textMessage(sender, 'practice')));
    await waitText(sender, 'Practice: I show a face. You tap the emotion you see.');
    const face = await waitImage(sender, 1);
    const png = await sharp(face.upload?.bytes).metadata();
    expect([png.format, png.width, png.height]).toEqual(['png', 192, 192]);
    expect(face.quickReplies.map((q) => q.title)).toEqual([...EMOTIONS.map((e) => expect.stringContaining(EMOTION_WORDS[e])), 'Stop']);

    const userId = server.app.visage.store.users.hash('messenger', sender);
    const round = server.app.visage.store.practice.openRound(userId);
    if (round === undefined) throw new Error('no open round');
    const choice = round.expected === 'happy' ? 'sad' : 'happy';
    await tap(sender, face.quickReplies.find((q) => q.title?.endsWith(` ${EMOTION_WORDS[choice]}`)));
    const feedback = await waitText(sender, 'Score: 0 of 1.');
    expect(feedback.text).toBe(
      [`Not this time. This face looks ${EMOTION_WORDS[round.expected]}. You chose ${EMOTION_WORDS[choice]}.`, `What to look for: ${EMOTION_CUES[round.expected]}`, 'Score: 0 of 1.'].join('\n'),
    );

    // The next face comes by itself; the right answer, typed, counts too.
    const next = await waitImage(sender, 2);
    expect(next.quickReplies).toHaveLength(8);
    const second = server.app.visage.store.practice.openRound(userId);
    if (second === undefined) throw new Error('no second round');
    await postDelivery(server, delivery(textMessage(sender, EMOTION_WORDS[second.expected])));
    const right = await waitText(sender, 'Score: 1 of 2.');
    expect(right.text.startsWith(`Right. This face looks ${EMOTION_WORDS[second.expected]}.`)).toBe(true);
    await waitImage(sender, 3);

    await postDelivery(server, delivery(textMessage(sender, 'Stop')));
    const end = await waitText(sender, 'Practice has ended.');
    expect(end.text).toBe('Practice has ended.\nYour score: 1 of 2.\nTap Practice to play again, or send a photo.');
    expect(countImages(sender)).toBe(3);
    const summary = server.app.visage.store.practice.summary(userId);
    expect([summary.asked, summary.correct]).toEqual([2, 1]);
  });

  it('answers a tap on a face already answered without counting it again', async () => {
    const sender = 'psid-double-tap';
    await postDelivery(server, delivery(textMessage(sender, 'practice')));
    const face = await waitImage(sender, 1);
    const reply = face.quickReplies[0];
    await tap(sender, reply);
    await waitText(sender, 'of 1.');
    await tap(sender, reply);
    await waitText(sender, 'You already answered that face.');
    const userId = server.app.visage.store.users.hash('messenger', sender);
    expect(server.app.visage.store.practice.summary(userId).asked).toBe(1);
  });
});
