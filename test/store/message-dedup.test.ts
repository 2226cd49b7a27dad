import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { SALT, useTempDirs } from './helpers/store-fixtures.js';

const tempDir = useTempDirs();

describe('message de-duplication', () => {
  it('answers false the first time, true after, also after a restart', () => {
    const file = join(tempDir(), 'visage.db');
    const store = openStore({ file, salt: SALT });
    expect(store.messages.seen('m_abc')).toBe(false);
    expect(store.messages.seen('m_abc')).toBe(true);
    expect(store.messages.seen('m_def')).toBe(false);
    store.close();
    const restarted = openStore({ file, salt: SALT });
    expect(restarted.messages.seen('m_abc')).toBe(true);
    expect(restarted.messages.seen('m_ghi')).toBe(false);
    expect(() => restarted.messages.seen('')).toThrow(expect.objectContaining({ code: 'VSG_REQUEST_INVALID' }));
    restarted.close();
  });

  it('lets exactly one of two connections claim the same message id', () => {
    const file = join(tempDir(), 'visage.db');
    const a = openStore({ file, salt: SALT });
    const b = openStore({ file, salt: SALT });
    const answers = [a.messages.seen('m_race'), b.messages.seen('m_race')];
    expect(answers.sort()).toEqual([false, true]);
    a.close();
    b.close();
  });
});
