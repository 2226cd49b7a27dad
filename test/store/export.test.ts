import { describe, expect, it } from 'vitest';
import { makeCropPng, openTestStore, sampleFlag, useTempDirs } from './helpers/store-fixtures.js';

const tempDir = useTempDirs();

describe('data export', () => {
  it('exports every table, without crops by default and with them on request', async () => {
    const store = openTestStore(tempDir());
    const crop = await makeCropPng();
    const alice = store.users.resolve('web', 'alice-browser-id-0001');
    const bob = store.users.resolve('messenger', 'psid-bob');
    store.flags.add(sampleFlag(alice, crop, { comment: 'not happy at all' }));
    store.flags.add(sampleFlag(bob, crop, { channel: 'messenger' }));
    const round = store.practice.start({ userId: bob, channel: 'messenger', itemId: 'flag:1', expected: 'fear' });
    store.practice.answer(bob, round.id, 'surprise');
    store.messages.seen('m_1');

    const plain = store.exportData();
    expect(plain).toMatchObject({ format: 'visage-data-export', schemaVersion: 1, cropsIncluded: false });
    expect(plain.users).toHaveLength(2);
    expect(plain.flags[0]).toMatchObject({ userId: alice, face: 1, predicted: 'happy', label: 'sad', comment: 'not happy at all', status: 'pending' });
    expect(plain.flags[0]).not.toHaveProperty('cropPngBase64');
    expect(plain.practiceRounds[0]).toMatchObject({ userId: bob, expected: 'fear', answer: 'surprise' });
    expect(plain.seenMessages).toEqual([{ mid: 'm_1', seenAt: expect.any(String) }]);

    const full = store.exportData({ includeCrops: true });
    expect(Buffer.from(String(full.flags[1]?.cropPngBase64), 'base64').equals(crop)).toBe(true);

    const onlyBob = store.exportData({ userId: bob });
    expect(onlyBob.users.map((u) => u.id)).toEqual([bob]);
    expect(onlyBob.flags).toHaveLength(1);
    expect(onlyBob.seenMessages).toEqual([]);
    store.close();
  });
});
