// Scores the emotion classifier on a FER2013 split through the same runtime path as photos (classifyCrops), so the
// number it prints is the number users get. The 48x48 image is the crop; it is resampled only when the model's
// input size or channel count differs.
import sharp from 'sharp';
import { classifyCrops } from '../pipeline/classify.js';
import type { EmotionClassifierModel } from '../models/emotion-classifier.js';
import type { Emotion, FaceCrop } from '../pipeline/types.js';
import { readFer2013, FER_SIZE, type FerSplit } from './fer2013.js';
import { computeMetrics, type EvalMetrics } from './metrics.js';

export interface FerEvaluation extends EvalMetrics {
  split: FerSplit;
}

const BATCH = 256;

export async function evaluateFer2013(
  path: string,
  split: FerSplit,
  classifier: EmotionClassifierModel,
  onProgress?: (done: number) => void,
): Promise<FerEvaluation> {
  const truth: Emotion[] = [];
  const predicted: Emotion[] = [];
  let pending: FaceCrop[] = [];
  const flush = async () => {
    const results = await classifyCrops(pending, { classifier });
    predicted.push(...results.map((r) => r.emotion));
    pending = [];
    onProgress?.(predicted.length);
  };
  for await (const face of readFer2013(path, split)) {
    truth.push(face.label);
    pending.push(await ferCrop(face.pixels, classifier));
    if (pending.length === BATCH) await flush();
  }
  if (pending.length > 0) await flush();
  return { split, ...computeMetrics(truth, predicted) };
}

async function ferCrop(pixels: Uint8Array, classifier: EmotionClassifierModel): Promise<FaceCrop> {
  const { size, channels } = classifier.sidecar;
  if (size === FER_SIZE && channels === 1) return { pixels, size, channels };
  let image = sharp(pixels, { raw: { width: FER_SIZE, height: FER_SIZE, channels: 1 } }).resize(size, size, { kernel: 'cubic' });
  if (channels === 3) image = image.toColourspace('srgb');
  const data = await image.raw().toBuffer();
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), size, channels };
}
