import { describe, expect, it } from 'vitest';
import { fixedClock, makeCropPng, openTestStore, sampleFlag, useTempDirs } from './helpers/store-fixtures.js';

const tempDir = useTempDirs();
const DAY_MS = 86_400_000;

describe('retention purge', () => {
  it('deletes flags, rounds, message ids and idle users older than the retention, and keeps newer ones', async () => {
    const clock = fixedClock();
    const store = openTestStore(tempDir(), clock);
    const crop = await makeCropPng();
    const old = store.users.resolve('web', 'old-browser-id-000001');
    store.flags.add(sampleFlag(old, crop));
    store.practice.start({ userId: old, channel: 'web', itemId: 'fer2013:1', expected: 'sad' });
    store.messages.seen('m_old');
    clock.advance(20 * DAY_MS);
    const recent = store.users.resolve('messenger', 'psid-recent');
    const keptFlag = store.flags.add(sampleFlag(recent, crop, { channel: 'messenger' })).id;
    store.flags.review(keptFlag, 'accept');
    store.messages.seen('m_new');
    clock.advance(15 * DAY_MS);

    expect(() => store.purgeExpired(0)).toThrow(expect.objectContaining({ code: 'VSG_OPTION_INVALID' }));
    expect(store.purgeExpired(30)).toEqual({ flags: 1, practiceRounds: 1, seenMessages: 1, users: 1 });
    expect(store.flags.list().map((f) => f.id)).toEqual([keptFlag]);
    expect(store.users.exists(old)).toBe(false);
    expect(store.users.exists(recent)).toBe(true);
    expect(store.messages.seen('m_old')).toBe(false);
    expect(store.messages.seen('m_new')).toBe(true);
    expect(store.purgeExpired(30)).toEqual({ flags: 0, practiceRounds: 0, seenMessages: 0, users: 0 });
    store.close();
  });
});
