// Cached analyses for flag tests: face crops cut from a real group photo, shaped like analyzeImage's output
// (96x96 RGB PNG per face) with the answer Visage gave for each face.
import sharp from 'sharp';
import { photo } from '../../helpers/paths.js';
import type { Emotion } from '../../../src/pipeline/types.js';
import type { CachedAnalysis } from '../../../src/services/analysis-cache.js';
import { scoresFor } from './store-fixtures.js';

export const GROUP_PHOTO = photo('multi-3faces-grimace-glasses-dlib-voc-2008_002506.jpg');
const ANSWERS: readonly Emotion[] = ['happy', 'neutral', 'surprise'];

export async function makeCachedAnalysis(): Promise<CachedAnalysis> {
  const image = sharp(GROUP_PHOTO);
  const { width = 0, height = 0 } = await image.metadata();
  const side = Math.floor(Math.min(width / 3, height));
  const faceCrops = await Promise.all(
    ANSWERS.map((_, i) =>
      sharp(GROUP_PHOTO).extract({ left: i * side, top: 0, width: side, height: side }).resize(96, 96).removeAlpha().png().toBuffer(),
    ),
  );
  return {
    analysis: {
      source: 'upload',
      width,
      height,
      faces: ANSWERS.map((emotion, i) => ({
        box: { x: i * side, y: 0, width: side, height: side },
        emotion,
        confidence: 0.7,
        scores: scoresFor(emotion),
        description: `Face ${i + 1} looks ${emotion}.`,
      })),
    },
    faceCrops,
  };
}
