// The pure parts of the Messenger channel: the words and their limits, quick reply payloads, webhook parsing and
// the signature check.
import { describe, expect, it } from 'vitest';
import type { AnalysisJson } from '../../../src/index.js';
import { parseDelivery } from '../../../src/channels/messenger/events.js';
import { decodeAction, encodeAction, type Action } from '../../../src/channels/messenger/payloads.js';
import { emotionQuickReplies, MESSENGER_LIMITS, photoAnswerLines, splitText } from '../../../src/channels/messenger/replies.js';
import { hasValidSignature, signBody, verificationChallenge } from '../../../src/channels/messenger/signature.js';
import { normaliseText, emotionFromWord } from '../../../src/channels/messenger/conversation.js';
import { EMOTIONS } from '../../../src/pipeline/types.js';

function crowd(n: number): AnalysisJson {
  const scores = { angry: 0.05, disgust: 0.05, fear: 0.05, happy: 0.7, sad: 0.05, surprise: 0.05, neutral: 0.05 };
  return {
    source: 'messenger',
    width: 4000,
    height: 1000,
    faces: Array.from({ length: n }, (_, i) => ({
      box: { x: i * 40, y: 10, width: 30, height: 30 },
      emotion: 'happy' as const,
      confidence: 0.7,
      scores,
      description: `Person ${i + 1}, ${i < n / 3 ? 'on the left' : i < (2 * n) / 3 ? 'in the middle' : 'on the right'}, looks happy. I'm fairly sure.`,
    })),
  };
}

describe('photo answer text', () => {
  it('splits a big group into messages of at most 2,000 characters, never inside a line', () => {
    const lines = photoAnswerLines(crowd(80), { index: 1, count: 1 });
    const chunks = splitText(lines);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(MESSENGER_LIMITS.text);
    expect(chunks.join('\n')).toBe(lines.join('\n'));
    expect(chunks[0]?.startsWith('I found 80 faces.\nThe numbers are on the photo.\n')).toBe(true);
  });

  it('cuts only a single line longer than the limit', () => {
    expect(splitText(['a'.repeat(4500)]).map((c) => c.length)).toEqual([2000, 2000, 500]);
  });

  it('keeps emotion quick replies within 20 characters', () => {
    const replies = emotionQuickReplies((label) => ({ type: 'wrong-label', analysisId: '00000000-0000-4000-8000-000000000000', face: 13, label }));
    expect(replies).toHaveLength(7);
    for (const reply of replies) expect([...reply.title].length).toBeLessThanOrEqual(MESSENGER_LIMITS.title);
  });
});

describe('quick reply payloads', () => {
  const id = '3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b';
  const actions: Action[] = [
    { type: 'wrong', analysisId: id },
    { type: 'wrong-face', analysisId: id, face: 12 },
    { type: 'wrong-label', analysisId: id, face: 3, label: 'disgust' },
    { type: 'cues', emotions: ['fear', 'surprise'] },
    { type: 'practice' },
    { type: 'practice-answer', roundId: 41, sinceMs: 1_733_000_000_000, answer: 'neutral' },
    { type: 'practice-stop', sinceMs: 1_733_000_000_000 },
    { type: 'how-to' },
    { type: 'welcome' },
  ];

  it.each(actions)('round-trips $type', (action) => {
    const payload = encodeAction(action);
    expect(payload.length).toBeLessThanOrEqual(1000);
    expect(decodeAction(payload)).toEqual(action);
  });

  it('ignores payloads it did not make', () => {
    for (const payload of ['', 'WRONG:not-an-id', 'WRONG_LABEL:' + id + ':1:furious', 'PRACTICE_ANSWER:x:1:happy', 'CUES:', 'SOMETHING']) {
      expect(decodeAction(payload), payload).toBeUndefined();
    }
  });
});

describe('webhook deliveries', () => {
  const item = (message: Record<string, unknown>) => ({ sender: { id: 'u1' }, recipient: { id: 'p' }, timestamp: 1, message });

  it('reads photos, stickers, links, quick replies, postbacks, and drops echoes and receipts', () => {
    const parsed = parseDelivery({
      object: 'page',
      entry: [
        {
          messaging: [
            item({ mid: 'a', attachments: [{ type: 'image', payload: { url: 'https://cdn/x.jpg' } }, { type: 'image', payload: { url: 'https://cdn/y.jpg' } }] }),
            item({ mid: 'b', sticker_id: 369239263222822, attachments: [{ type: 'image', payload: { url: 'https://cdn/like.png', sticker_id: 369239263222822 } }] }),
            item({ mid: 'c', text: 'see', attachments: [{ type: 'fallback', payload: { url: 'https://example.org/p.jpg' } }] }),
            item({ mid: 'd', text: 'Practice', quick_reply: { payload: 'PRACTICE' } }),
            item({ mid: 'e', is_echo: true, text: 'from the page' }),
            { sender: { id: 'u1' }, recipient: { id: 'p' }, timestamp: 2, postback: { title: 'Get Started', payload: 'GET_STARTED' } },
            { sender: { id: 'u1' }, recipient: { id: 'p' }, delivery: { mids: ['a'] } },
            item({ mid: 'f', attachments: [{ type: 'audio', payload: { url: 'https://cdn/a.mp4' } }] }),
          ],
        },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.events.map((e) => [e.kind, e.dedupKey])).toEqual([
      ['photos', 'a'],
      ['unsupported', 'b'],
      ['link', 'c'],
      ['quick-reply', 'd'],
      ['postback', 'postback:2:GET_STARTED'],
      ['unsupported', 'f'],
    ]);
    expect(parsed.events[0]).toMatchObject({ urls: ['https://cdn/x.jpg', 'https://cdn/y.jpg'] });
  });

  it('refuses what is not a page delivery', () => {
    expect(parseDelivery({ object: 'instagram', entry: [] }).ok).toBe(false);
    expect(parseDelivery([]).ok).toBe(false);
  });
});

describe('signature and verification', () => {
  const body = Buffer.from('{"object":"page","entry":[]}');

  it('accepts only the HMAC of these exact bytes with this secret', () => {
    expect(hasValidSignature('s3cret', body, signBody('s3cret', body))).toBe(true);
    expect(hasValidSignature('s3cret', body, signBody('s3cret', body).toUpperCase().replace('SHA256', 'sha256'))).toBe(true);
    expect(hasValidSignature('s3cret', Buffer.concat([body, Buffer.from(' ')]), signBody('s3cret', body))).toBe(false);
    expect(hasValidSignature('other', body, signBody('s3cret', body))).toBe(false);
    expect(hasValidSignature('s3cret', body, undefined)).toBe(false);
    expect(hasValidSignature('s3cret', body, 'sha256=')).toBe(false);
    expect(hasValidSignature('s3cret', body, [signBody('s3cret', body)])).toBe(false);
  });

  it('echoes the challenge only for subscribe with the right token', () => {
    expect(verificationChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': 'vt', 'hub.challenge': '42' }, 'vt')).toBe('42');
    expect(verificationChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': 'vx', 'hub.challenge': '42' }, 'vt')).toBeUndefined();
    expect(verificationChallenge({ 'hub.verify_token': 'vt', 'hub.challenge': '42' }, 'vt')).toBeUndefined();
  });
});

describe('typed words', () => {
  it('reads commands and emotion words literally', () => {
    expect(normaliseText('  That’s WRONG!! ')).toBe("that's wrong");
    expect(emotionFromWord('scared')).toBe('fear');
    expect(emotionFromWord('fear')).toBe('fear');
    expect(EMOTIONS.map((e) => emotionFromWord(e))).toEqual([...EMOTIONS]);
    expect(emotionFromWord('furious')).toBeUndefined();
  });
});
