import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDataStore } from '../../src/store/store.js';
import { hashUserId, isHashedUserId, loadOrCreateSalt, SALT_FILE_NAME } from '../../src/store/users.js';
import { makeCropPng, openTestStore, SALT, sampleFlag, useTempDirs } from './helpers/store-fixtures.js';

const tempDir = useTempDirs();

describe('users', () => {
  it('creates a secret salt once, owner-only, and keeps it', () => {
    const dir = tempDir();
    const salt = loadOrCreateSalt(dir);
    expect(salt).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, SALT_FILE_NAME)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSalt(dir)).toBe(salt);
  });

  it('hashes ids per channel and never stores the raw id', () => {
    const dir = tempDir();
    const store = openDataStore(dir);
    const id = store.users.resolve('messenger', '1234567890');
    expect(isHashedUserId(id)).toBe(true);
    expect(id).toBe(hashUserId(loadOrCreateSalt(dir), 'messenger', '1234567890'));
    expect(store.users.hash('web', '1234567890')).not.toBe(id);
    expect(hashUserId(SALT, 'messenger', '1234567890')).not.toBe(id);
    const stored = store.db.prepare('SELECT * FROM users').all();
    expect(JSON.stringify(stored)).not.toContain('1234567890');
    store.close();
  });

  it('deletes one user with their flags and practice rounds, and nobody else', async () => {
    const store = openTestStore(tempDir());
    const crop = await makeCropPng();
    const alice = store.users.resolve('web', 'alice-browser-id-0001');
    const bob = store.users.resolve('web', 'bob-browser-id-000002');
    for (const user of [alice, bob]) {
      store.flags.add(sampleFlag(user, crop, { faceNumber: 1 }));
      store.flags.add(sampleFlag(user, crop, { faceNumber: 2 }));
      const round = store.practice.start({ userId: user, channel: 'web', itemId: 'fer2013:1', expected: 'sad' });
      store.practice.answer(user, round.id, 'sad');
    }
    expect(store.users.delete(alice)).toEqual({ users: 1, flags: 2, practiceRounds: 1 });
    expect(store.users.exists(alice)).toBe(false);
    expect(store.flags.list().every((f) => f.userId === bob)).toBe(true);
    expect(store.flags.list()).toHaveLength(2);
    expect(store.practice.summary(alice).asked).toBe(0);
    expect(store.practice.summary(bob).asked).toBe(1);
    expect(store.users.delete(alice)).toEqual({ users: 0, flags: 0, practiceRounds: 0 });
    store.close();
  });
});
