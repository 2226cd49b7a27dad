// detectFaces on the shared dev photos: face counts from the photo README, plausible boxes, option checks.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFaceDetector, type FaceDetectorModel } from '../../src/models/face-detector.js';
import { detectFaces, type DetectOptions } from '../../src/pipeline/detect.js';
import type { RgbImage } from '../../src/pipeline/types.js';

const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const photosDir = join(process.env.VISAGE_SHARED_DIR ?? join(repoDir, '..', 'shared'), 'photos');
const ELVIS = 'multi-7faces-small-elvis-shop-dlib-voc-2008_004176.jpg';

/**
 * Faces per photo, from photos/README.md (the count is also in each file name). The meeting photo counts 5: four
 * full faces and one cut by the top edge with nose and mouth visible, which Visage reports as a face.
 */
function expectedFaces(file: string): number {
  if (file.startsWith('noface-')) return 0;
  if (file.startsWith('single-')) return 1;
  const match = /^multi-(\d+)faces-/.exec(file);
  if (match?.[1] === undefined) throw new Error(`no face count in ${file}`);
  return Number(match[1]);
}

async function loadImage(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
}

const photos = readdirSync(photosDir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();

describe('detectFaces', () => {
  let detector: FaceDetectorModel;
  beforeAll(async () => {
    detector = await loadFaceDetector({ threads: 1 });
  });
  afterAll(async () => {
    await detector.session.release();
  });

  it('has the dev photos', () => {
    expect(photos.length).toBeGreaterThanOrEqual(22);
  });

  it.each(photos)('finds the README face count in %s', async (file) => {
    const image = await loadImage(join(photosDir, file));
    const faces = await detectFaces(image, {}, { detector });
    expect(faces.length).toBe(expectedFaces(file));
    for (const [i, face] of faces.entries()) {
      const { x, y, width, height } = face.box;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x + width).toBeLessThanOrEqual(image.width + 1e-6);
      expect(y + height).toBeLessThanOrEqual(image.height + 1e-6);
      // Faces are roughly square (a cut face can be half height) and at least 16 px wide.
      expect(width).toBeGreaterThanOrEqual(16);
      expect(height / width).toBeGreaterThan(0.4);
      expect(height / width).toBeLessThan(2.5);
      expect(face.score).toBeGreaterThanOrEqual(0.5);
      expect(face.score).toBeLessThanOrEqual(1);
      if (i > 0) expect(face.score).toBeLessThanOrEqual(faces[i - 1]?.score ?? 1);
    }
    if (file.startsWith('single-')) {
      // One face, and it is the main subject: a sizeable part of the image.
      const box = faces[0]?.box;
      expect((box?.width ?? 0) / Math.min(image.width, image.height)).toBeGreaterThan(0.12);
    }
  });

  it.each(photos.filter((f) => f.startsWith('multi-')))('keeps the README count when %s is upscaled to 1920 px', async (file) => {
    // Upscaling makes printed faces on posters big enough for the detail pass; they must not count as people.
    const { data, info } = await sharp(join(photosDir, file)).resize({ width: 1920 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image: RgbImage = { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
    expect((await detectFaces(image, {}, { detector })).length).toBe(expectedFaces(file));
  });

  it('gives one box for a face that fills the frame', async () => {
    const image = await loadImage(join(photosDir, 'single-sad-crying-baby-closeup-pexels-max.jpeg'));
    const faces = await detectFaces(image, {}, { detector });
    expect(faces.length).toBe(1);
    expect(faces[0]?.box.width ?? 0).toBeGreaterThan(image.height * 0.6);
  });

  it('finds ~40 px faces in a large image through the detail pass', async () => {
    // The Elvis-shop photo enlarged 1.3x (faces about 40-45 px) in a 1024x1024 grey canvas: the whole-image pass
    // sees those faces at about 20 px, too small for the detector; the detail pass sees them at full size.
    const { data: elvis, info: ei } = await sharp(join(photosDir, ELVIS)).removeAlpha().resize(624).raw().toBuffer({ resolveWithObject: true });
    const { data, info } = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .composite([{ input: elvis, raw: { width: ei.width, height: ei.height, channels: 3 }, left: 200, top: 300 }])
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const image: RgbImage = { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
    const withDetail = await detectFaces(image, {}, { detector });
    expect(withDetail.length).toBe(7);
    for (const face of withDetail) {
      expect(face.box.x).toBeGreaterThanOrEqual(200);
      expect(face.box.y).toBeGreaterThanOrEqual(300);
      expect(face.box.width).toBeGreaterThan(30);
      expect(face.box.width).toBeLessThan(60);
    }
    const wholeOnly = await detectFaces(image, { detailSide: 0, secondLook: false }, { detector });
    expect(wholeOnly.length).toBeLessThan(7);
    // The second look alone (zoomed tiles around the doubtful small boxes of the whole-image pass) recovers them.
    const zoomed = await detectFaces(image, { detailSide: 0 }, { detector });
    expect(zoomed.length).toBe(7);
  });

  it('finds ~20 px faces in a 1024-px photo with the second look', async () => {
    // The Elvis-shop photo shrunk to 310 px wide (its faces 19-22 px) in the middle of a 1024x683 JPEG: one face
    // scores just under the threshold in both passes; a zoomed tile around its box confirms it.
    const small = await sharp(join(photosDir, ELVIS)).rotate().resize(310).toBuffer();
    const meta = await sharp(small).metadata();
    const jpeg = await sharp({ create: { width: 1024, height: 683, channels: 3, background: '#777777' } })
      .composite([{ input: small, left: Math.round((1024 - (meta.width ?? 0)) / 2), top: Math.round((683 - (meta.height ?? 0)) / 2) }])
      .jpeg({ quality: 92 })
      .toBuffer();
    const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image: RgbImage = { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
    const withoutSecondLook = await detectFaces(image, { secondLook: false }, { detector });
    const faces = await detectFaces(image, {}, { detector });
    expect(withoutSecondLook.length).toBe(6);
    expect(faces.length).toBe(7);
    for (const face of faces) expect(face.box.width).toBeLessThan(30);
  });

  it('respects maxFaces and minScore', async () => {
    const image = await loadImage(join(photosDir, ELVIS));
    const two = await detectFaces(image, { maxFaces: 2 }, { detector });
    expect(two.length).toBe(2);
    const strict = await detectFaces(image, { minScore: 0.999 }, { detector });
    expect(strict.every((f) => f.score >= 0.999)).toBe(true);
  });

  const badOptions: [string, DetectOptions][] = [
    ['minScore 0', { minScore: 0 }],
    ['minScore 1', { minScore: 1 }],
    ['minScore NaN', { minScore: Number.NaN }],
    ['minScore string', { minScore: '0.5' as unknown as number }],
    ['maxFaces 0', { maxFaces: 0 }],
    ['maxFaces 2.5', { maxFaces: 2.5 }],
    ['passSide 500 (not a multiple of 32)', { passSide: 500 }],
    ['passSide 64', { passSide: 64 }],
    ['detailSide below passSide', { detailSide: 256 }],
    ['detailSide -1', { detailSide: -1 }],
  ];
  it.each(badOptions)('rejects %s with VSG_OPTION_INVALID', async (_name, options) => {
    const image: RgbImage = { data: new Uint8Array(64 * 64 * 3), width: 64, height: 64, channels: 3 };
    await expect(detectFaces(image, options, { detector })).rejects.toMatchObject({ code: 'VSG_OPTION_INVALID' });
  });
});
