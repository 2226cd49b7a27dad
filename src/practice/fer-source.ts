// Practice faces from FER2013: only the PublicTest and PrivateTest rows (the model never trained on them), kept in
// memory as 48x48 grey pixels (about 16 MB for the 7,178 faces) and turned into PNGs when shown.
import sharp from 'sharp';
import { FER_SIZE, readFer2013, type FerSplit } from '../evaluation/fer2013.js';
import type { Emotion } from '../pipeline/types.js';
import { enlargeFace, type PracticeItem, type PracticeSource } from './items.js';

export const FER_PRACTICE_SPLITS: readonly FerSplit[] = ['PublicTest', 'PrivateTest'];

interface FerFaceEntry {
  emotion: Emotion;
  pixels: Uint8Array;
}

export function ferItemId(row: number): string {
  return `fer2013:${row}`;
}

async function loadFaces(csvPath: string): Promise<Map<string, FerFaceEntry>> {
  const faces = new Map<string, FerFaceEntry>();
  for (const split of FER_PRACTICE_SPLITS) {
    for await (const face of readFer2013(csvPath, split)) faces.set(ferItemId(face.row), { emotion: face.label, pixels: face.pixels });
  }
  return faces;
}

/** Reads the CSV once, on the first call to items() or image(). */
export function createFerSource(csvPath: string): PracticeSource {
  let loading: Promise<Map<string, FerFaceEntry>> | undefined;
  const faces = (): Promise<Map<string, FerFaceEntry>> => (loading ??= loadFaces(csvPath));
  return {
    name: `FER2013 (${csvPath})`,
    async items() {
      return [...(await faces())].map(([id, face]): PracticeItem => ({ id, emotion: face.emotion }));
    },
    async image(id) {
      const face = (await faces()).get(id);
      if (face === undefined) return undefined;
      return enlargeFace(sharp(face.pixels, { raw: { width: FER_SIZE, height: FER_SIZE, channels: 1 } }));
    },
  };
}
