// The practice pool's sources: FER2013's test rows (the real file), a folder of labelled photos (the shared photos),
// accepted flags from a real store; and the pool that combines them.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isVisageError } from '../../src/errors.js';
import { EMOTIONS } from '../../src/pipeline/types.js';
import { createFerSource } from '../../src/practice/fer-source.js';
import { createFlagSource } from '../../src/practice/flag-source.js';
import { FACE_DISPLAY_PX, PHOTO_DISPLAY_PX } from '../../src/practice/items.js';
import { createPhotoSource } from '../../src/practice/photo-source.js';
import { createPracticePool, practicePoolFromConfig } from '../../src/practice/pool.js';
import { FER_CSV, photo } from '../helpers/paths.js';
import { makeCropPng, openTestStore, sampleFlag, useTempDirs } from '../store/helpers/store-fixtures.js';

const tempDir = useTempDirs();
const folders: string[] = [];
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function photoFolder(layout: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'visage-practice-pool-'));
  folders.push(dir);
  for (const [folder, files] of Object.entries(layout)) {
    mkdirSync(join(dir, folder));
    for (const file of files) symlinkSync(photo(file), join(dir, folder, file));
  }
  return dir;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isVisageError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a VisageError');
}

describe('FER2013 source', () => {
  it('holds exactly the PublicTest and PrivateTest faces, shown as 192 px PNGs', async () => {
    const source = createFerSource(FER_CSV);
    const items = await source.items();
    expect(items).toHaveLength(3589 * 2);
    expect(new Set(items.map((i) => i.emotion))).toEqual(new Set(EMOTIONS));
    // Training rows come first in the file (28,709 of them): no practice id may point at one.
    expect(Math.min(...items.map((i) => Number(i.id.split(':')[1])))).toBe(28709);
    const first = items[0];
    const image = first === undefined ? undefined : await source.image(first.id);
    expect(image?.contentType).toBe('image/png');
    const meta = await sharp(image?.data).metadata();
    expect([meta.width, meta.height]).toEqual([FACE_DISPLAY_PX, FACE_DISPLAY_PX]);
    expect(await source.image('fer2013:5')).toBeUndefined();
  }, 120_000);

  it('reports a missing file', async () => {
    expect((await failure(createFerSource('/nonexistent/fer2013.csv').items())).code).toBe('VSG_INPUT_NOT_FOUND');
  });
});

describe('photo folder source', () => {
  it('labels photos by folder, hides the file names, and shrinks the photos', async () => {
    const dir = photoFolder({
      happy: ['single-happy-baby-looking-up-pexels-max.jpeg', 'single-happy-woman-astronaut-eileen-collins-skimage.png'],
      sad: ['single-sad-crying-baby-closeup-pexels-max.jpeg'],
    });
    const source = createPhotoSource(dir);
    const items = await source.items();
    expect(items.map((i) => i.emotion).sort()).toEqual(['happy', 'happy', 'sad']);
    expect(items.every((i) => /^photo:\d+$/.test(i.id))).toBe(true);
    const sad = items.find((i) => i.emotion === 'sad');
    const image = sad === undefined ? undefined : await source.image(sad.id);
    expect(image?.contentType).toBe('image/jpeg');
    const meta = await sharp(image?.data).metadata();
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(PHOTO_DISPLAY_PX);
  });

  it('refuses a folder that is not an emotion, and a missing folder', async () => {
    const dir = photoFolder({ suprise: ['single-surprise-older-man-glasses-santa-pexels-max.jpeg'] });
    const typo = await failure(createPhotoSource(dir).items());
    expect(typo.code).toBe('VSG_DATA_INVALID');
    expect(typo.message).toContain('"suprise"');
    expect((await failure(createPhotoSource(join(dir, 'missing')).items())).code).toBe('VSG_INPUT_NOT_FOUND');
  });
});

describe('accepted flags source and the pool', () => {
  it('offers accepted flags only, with the emotion the user gave', async () => {
    const store = openTestStore(tempDir());
    const userId = store.users.resolve('web', 'browser-abcdefghijklmnop');
    const crop = await makeCropPng(1);
    const accepted = store.flags.add(sampleFlag(userId, crop, { faceNumber: 1, label: 'fear' }));
    store.flags.add(sampleFlag(userId, crop, { faceNumber: 2, label: 'angry' }));
    store.flags.review(accepted.id, 'accept');

    const source = createFlagSource(store.flags);
    expect(await source.items()).toEqual([{ id: `flag:${accepted.id}`, emotion: 'fear' }]);
    const meta = await sharp((await source.image(`flag:${accepted.id}`))?.data).metadata();
    expect([meta.width, meta.height]).toEqual([FACE_DISPLAY_PX, FACE_DISPLAY_PX]);
    expect(await source.image(`flag:${accepted.id + 1}`)).toBeUndefined();

    const dir = photoFolder({ neutral: ['single-neutral-young-woman-pexels-max.jpeg'] });
    const pool = practicePoolFromConfig({ ferCsvPath: undefined, photosDir: dir }, store.flags);
    const groups = await pool.byEmotion();
    expect(groups.fear.map((i) => i.id)).toEqual([`flag:${accepted.id}`]);
    expect(groups.neutral).toHaveLength(1);
    expect(await pool.item(`flag:${accepted.id}`)).toEqual({ id: `flag:${accepted.id}`, emotion: 'fear' });
    expect((await failure(pool.image('photo:99'))).code).toBe('VSG_NOT_FOUND');
    store.close();
  });

  it('is empty without sources', async () => {
    const groups = await createPracticePool([]).byEmotion();
    expect(EMOTIONS.every((e) => groups[e].length === 0)).toBe(true);
  });
});
