import { readdir, readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage, loadModels, toAnalysisJson, type VisageModels } from '../../src/index.js';
import { PHOTOS_DIR, photo } from '../helpers/paths.js';

describe('analyzeImage (real models, real photos)', () => {
  let models: VisageModels;
  beforeAll(async () => {
    models = await loadModels();
  });
  afterAll(async () => {
    await models.close();
  });

  it('finds, numbers, classifies and describes every face of a group photo', async () => {
    const result = await analyzeImage(await readFile(photo('multi-6faces-selfie-glasses-face_classification-test_image.jpg')), models, {
      annotate: 'jpeg',
      faceCrops: true,
    });
    expect(result.faces).toHaveLength(6);
    expect(result.faces.map((f) => f.number)).toEqual([1, 2, 3, 4, 5, 6]);
    const centres = result.faces.map((f) => f.box.x + f.box.width / 2);
    expect(centres).toEqual([...centres].sort((a, b) => a - b));
    expect(new Set(result.faces.map((f) => f.position)).size).toBeGreaterThan(1);
    for (const face of result.faces) expect(face.description).toContain(`Person ${face.number}`);
    expect(result.annotated?.format).toBe('jpeg');
    expect((await sharp(result.annotated?.data).metadata()).format).toBe('jpeg');
    expect(result.faceCrops).toHaveLength(6);
    expect((await sharp(result.faceCrops?.[0]).metadata()).width).toBe(96);
    for (const stage of ['decode', 'detect', 'crop', 'classify', 'describe', 'render'] as const) expect(result.timingsMs[stage]).toBeGreaterThanOrEqual(0);
  });

  it('reports boxes in source pixels when the photo is scaled down for the work', async () => {
    const original = await readFile(photo('single-happy-man-obama-official-portrait-face_recognition.jpg'));
    const big = await sharp(original).resize({ width: 3000 }).jpeg().toBuffer();
    const small = await analyzeImage(original, models);
    const large = await analyzeImage(big, models, { maxWorkingSide: 1024 });
    const ratio = 3000 / small.width;
    expect(large.faces).toHaveLength(1);
    expect(large.width).toBe(3000);
    expect((large.faces[0]?.box.x ?? 0) / ratio).toBeCloseTo(small.faces[0]?.box.x ?? -1, -1);
    expect((large.faces[0]?.box.width ?? 0) / ratio).toBeCloseTo(small.faces[0]?.box.width ?? -1, -1);
  });

  it('names the labelled emotion of most single-face photos, and every clearly happy face', async () => {
    // Guards the whole chain (decode, framing, model, calibration) against a collapse to one class or a crop that
    // does not look like training: the photo README's labels, 13 photos, 4 of them broad smiles.
    const singles = (await readdir(PHOTOS_DIR)).filter((f) => f.startsWith('single-')).sort();
    const named = await Promise.all(
      singles.map(async (file) => ({ label: file.split('-')[1], faces: (await analyzeImage(await readFile(photo(file)), models)).faces })),
    );
    for (const { faces } of named) expect(faces).toHaveLength(1);
    const right = named.filter(({ label, faces }) => faces[0]?.emotion === label);
    expect(right.length).toBeGreaterThanOrEqual(9);
    expect(new Set(named.map(({ faces }) => faces[0]?.emotion)).size).toBeGreaterThanOrEqual(4);
    for (const { label, faces } of named.filter((n) => n.label === 'happy')) expect(faces[0]?.emotion).toBe(label);
  });

  it('answers faces: [] for a photo without people', async () => {
    const result = await analyzeImage(await readFile(photo('noface-coffee-cup-skimage.png')), models);
    expect(result.faces).toEqual([]);
    expect(toAnalysisJson('cup.png', result)).toEqual({ source: 'cup.png', width: result.width, height: result.height, faces: [] });
  });

  it('turns bad bytes into a VisageError, never a crash', async () => {
    await expect(analyzeImage(Buffer.from('GIF89a broken'), models)).rejects.toMatchObject({ code: 'VSG_IMAGE_UNDECODABLE' });
    await expect(analyzeImage(new Uint8Array(0), models)).rejects.toMatchObject({ code: 'VSG_IMAGE_EMPTY' });
    await expect(analyzeImage(Buffer.from('x'), models, { annotate: 'bmp' as 'png' })).rejects.toMatchObject({ code: 'VSG_OPTION_INVALID' });
  });
});
