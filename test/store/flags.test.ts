import { describe, expect, it } from 'vitest';
import { makeCropPng, openTestStore, sampleFlag, scoresFor, useTempDirs } from './helpers/store-fixtures.js';

const tempDir = useTempDirs();

describe('flag store', () => {
  it('stores a flag with its crop, scores and label, and lists it as pending', async () => {
    const store = openTestStore(tempDir());
    const userId = store.users.resolve('web', 'browser-1234567890');
    const crop = await makeCropPng(3);
    const { id, created } = store.flags.add(sampleFlag(userId, crop, { comment: 'She is crying' }));
    expect(created).toBe(true);
    const flag = store.flags.getWithCrop(id);
    expect(flag).toMatchObject({
      id, userId, channel: 'web', analysisId: 'analysis-1', faceNumber: 1, predicted: 'happy', label: 'sad',
      comment: 'She is crying', status: 'pending', reviewedAt: null,
    });
    expect(flag?.scores.happy).toBeCloseTo(0.7, 6);
    expect(flag?.cropPng.equals(crop)).toBe(true);
    expect(store.flags.list({ status: 'pending' }).map((f) => f.id)).toEqual([id]);
    expect(store.flags.countByStatus()).toEqual({ pending: 1, accepted: 0, rejected: 0 });
    store.close();
  });

  it('replaces the label when the same user flags the same face again', async () => {
    const store = openTestStore(tempDir());
    const userId = store.users.resolve('web', 'browser-1234567890');
    const crop = await makeCropPng();
    const first = store.flags.add(sampleFlag(userId, crop, { label: 'sad' }));
    const second = store.flags.add(sampleFlag(userId, crop, { label: 'fear' }));
    expect(second).toEqual({ id: first.id, created: false });
    expect(store.flags.get(first.id)?.label).toBe('fear');
    const other = store.users.resolve('web', 'browser-abcdefghijk');
    expect(store.flags.add(sampleFlag(other, crop)).created).toBe(true);
    expect(store.flags.list()).toHaveLength(2);
    store.close();
  });

  it('reviews flags and yields accepted ones with crops, oldest first', async () => {
    const store = openTestStore(tempDir());
    const userId = store.users.resolve('messenger', 'psid-1');
    const crop = await makeCropPng();
    const ids = [1, 2, 3].map((face) => store.flags.add(sampleFlag(userId, crop, { channel: 'messenger', faceNumber: face })).id);
    expect(store.flags.review(ids[2] ?? 0, 'accept').status).toBe('accepted');
    expect(store.flags.review(ids[0] ?? 0, 'accept').reviewedAt).toBeTypeOf('number');
    store.flags.review(ids[1] ?? 0, 'reject');
    expect([...store.flags.iterateAccepted()].map((f) => f.id)).toEqual([ids[0], ids[2]]);
    expect(store.flags.countByStatus()).toEqual({ pending: 0, accepted: 2, rejected: 1 });
    expect(store.flags.list({ status: 'all', afterId: ids[0], limit: 1 }).map((f) => f.id)).toEqual([ids[1]]);
    expect(() => store.flags.review(999, 'accept')).toThrow(expect.objectContaining({ code: 'VSG_NOT_FOUND' }));
    store.close();
  });

  it('rejects flags with bad values before they reach SQL', async () => {
    const store = openTestStore(tempDir());
    const userId = store.users.resolve('web', 'browser-1234567890');
    const crop = await makeCropPng();
    const bad = [
      { faceNumber: 0 },
      { label: 'bored' as 'sad' },
      { comment: 'x'.repeat(501) },
      { cropPng: Buffer.alloc(0) },
      { scores: { ...scoresFor('happy'), fear: Number.NaN } },
    ];
    for (const overrides of bad) {
      expect(() => store.flags.add(sampleFlag(userId, crop, overrides))).toThrow(expect.objectContaining({ code: 'VSG_REQUEST_INVALID' }));
    }
    expect(store.flags.list()).toEqual([]);
    store.close();
  });
});
