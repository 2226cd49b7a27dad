import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { makeCropPng, openTestStore, SALT, sampleFlag, useTempDirs } from './helpers/store-fixtures.js';

const tempDir = useTempDirs();

describe('backup', () => {
  it('copies a live database into a valid database with every committed row', async () => {
    const dir = tempDir();
    const store = openTestStore(dir);
    const writer = openTestStore(dir);
    const crop = await makeCropPng();
    const userId = store.users.resolve('web', 'browser-1234567890');
    for (let face = 1; face <= 30; face += 1) store.flags.add(sampleFlag(userId, crop, { faceNumber: face }));
    // The backup runs in steps between event-loop turns; another connection keeps writing meanwhile.
    const backup = store.backup(join(dir, 'copy.db'));
    for (let face = 31; face <= 40; face += 1) {
      writer.flags.add(sampleFlag(userId, crop, { faceNumber: face }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = await backup;
    expect(result.schemaVersion).toBe(store.schemaVersion());
    expect(result.pages).toBeGreaterThan(0);

    const copy = openStore({ file: join(dir, 'copy.db'), salt: SALT, readonly: true });
    expect(copy.integrityCheck()).toEqual(['ok']);
    const ids = copy.flags.list().map((f) => f.id);
    expect(ids.length).toBeGreaterThanOrEqual(30);
    expect(copy.flags.getWithCrop(ids[0] ?? 0)?.cropPng.equals(crop)).toBe(true);
    copy.close();
    writer.close();
    store.close();
  });

  it('fails clearly into a missing folder and leaves no partial file', async () => {
    const dir = tempDir();
    const store = openTestStore(dir);
    await expect(store.backup(join(dir, 'missing', 'copy.db'))).rejects.toMatchObject({ code: 'VSG_STORAGE_FAILED' });
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
    store.close();
  });
});
