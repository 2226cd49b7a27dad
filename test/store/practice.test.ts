import { describe, expect, it } from 'vitest';
import { fixedClock, openTestStore, useTempDirs } from './helpers/store-fixtures.js';

const tempDir = useTempDirs();
const DAY_MS = 86_400_000;

describe('practice store', () => {
  it('keeps rounds, answers them once, and sums progress per emotion, per day and by confusion', () => {
    const clock = fixedClock(Date.UTC(2025, 2, 1, 10));
    const store = openTestStore(tempDir(), clock);
    const userId = store.users.resolve('web', 'browser-1234567890');
    const play = (expected: 'happy' | 'fear' | 'surprise', answer: 'happy' | 'fear' | 'surprise'): boolean => {
      const round = store.practice.start({ userId, channel: 'web', itemId: `fer2013:${expected}`, expected });
      expect(store.practice.openRound(userId)?.id).toBe(round.id);
      return store.practice.answer(userId, round.id, answer).correct;
    };
    expect(play('happy', 'happy')).toBe(true);
    expect(play('fear', 'surprise')).toBe(false);
    clock.advance(DAY_MS);
    expect(play('fear', 'fear')).toBe(true);
    expect(play('fear', 'surprise')).toBe(false);
    expect(store.practice.openRound(userId)).toBeUndefined();

    const summary = store.practice.summary(userId);
    expect(summary).toMatchObject({ asked: 4, correct: 2 });
    expect(summary.byEmotion.fear).toEqual({ asked: 3, correct: 1 });
    expect(summary.byEmotion.sad).toEqual({ asked: 0, correct: 0 });
    expect(store.practice.summary(userId, { sinceMs: clock.now() }).asked).toBe(2);
    expect(store.practice.confusions(userId).fear).toMatchObject({ fear: 1, surprise: 2, happy: 0 });
    expect(store.practice.daily(userId)).toEqual([
      { day: '2025-03-01', asked: 2, correct: 1 },
      { day: '2025-03-02', asked: 2, correct: 1 },
    ]);
    store.close();
  });

  it('keeps the first answer when a round is answered twice, and only for its own player', () => {
    const store = openTestStore(tempDir());
    const userId = store.users.resolve('messenger', 'psid-1');
    const stranger = store.users.resolve('messenger', 'psid-2');
    const round = store.practice.start({ userId, channel: 'messenger', itemId: 'flag:3', expected: 'sad' });
    expect(store.practice.answer(userId, round.id, 'sad').correct).toBe(true);
    expect(store.practice.answer(userId, round.id, 'angry')).toMatchObject({ correct: true, round: { answer: 'sad' } });
    expect(() => store.practice.answer(stranger, round.id, 'sad')).toThrow(expect.objectContaining({ code: 'VSG_NOT_FOUND' }));
    expect(() => store.practice.answer(userId, round.id, 'bored' as 'sad')).toThrow(expect.objectContaining({ code: 'VSG_REQUEST_INVALID' }));
    store.close();
  });
});
