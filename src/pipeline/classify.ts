// Stage 4: name each face's emotion. All faces of a photo go through the network in one batch (twice as many rows
// when the model asks for flip test-time augmentation); logits of the views are averaged, then divided by the
// calibrated temperature, plus the class offsets, before the softmax, exactly as training/export.py fitted them.
import { EMOTIONS, type Classification, type EmotionScores, type FaceCrop } from './types.js';
import { runEmotionModel, type EmotionClassifierModel, type EmotionSidecar } from '../models/emotion-classifier.js';

export interface ClassifyDeps {
  classifier: EmotionClassifierModel;
}

/** Lays crops out as [views * n, channels, size, size] floats, normalised as the sidecar says. */
export function cropsToBatch(crops: readonly FaceCrop[], sidecar: EmotionSidecar): Float32Array {
  const { size, channels, mean, std, hflip } = sidecar;
  const plane = size * size;
  const views = hflip ? 2 : 1;
  const batch = new Float32Array(views * crops.length * channels * plane);
  crops.forEach((crop, i) => {
    if (crop.size !== size || crop.channels !== channels) {
      throw new Error(`crop is ${crop.size}px x${crop.channels} but the model wants ${size}px x${channels}`);
    }
    for (let view = 0; view < views; view++) {
      const base = (view * crops.length + i) * channels * plane;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const srcX = view === 1 ? size - 1 - x : x;
          for (let c = 0; c < channels; c++) {
            const p = crop.pixels[(y * size + srcX) * channels + c] ?? 0;
            batch[base + c * plane + y * size + x] = (p / 255 - (mean[c] ?? 0)) / (std[c] ?? 1);
          }
        }
      }
    }
  });
  return batch;
}

/** Averages the views' logits per face and turns them into calibrated probabilities. */
export function logitsToClassifications(logits: Float32Array, n: number, sidecar: EmotionSidecar): Classification[] {
  const k = sidecar.labels.length;
  const views = logits.length / (n * k);
  const results: Classification[] = [];
  for (let i = 0; i < n; i++) {
    const avg = new Array<number>(k).fill(0);
    for (let view = 0; view < views; view++) {
      for (let j = 0; j < k; j++) avg[j] = (avg[j] ?? 0) + (logits[(view * n + i) * k + j] ?? 0) / views;
    }
    const probs = softmax(avg.map((v, j) => v / sidecar.temperature + (sidecar.classBias[j] ?? 0)));
    const scores = Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as EmotionScores;
    sidecar.labels.forEach((label, j) => (scores[label] = probs[j] ?? 0));
    const emotion = EMOTIONS.reduce((best, e) => (scores[e] > scores[best] ? e : best), EMOTIONS[0]);
    results.push({ emotion, confidence: scores[emotion], scores });
  }
  return results;
}

export function softmax(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

export async function classifyCrops(crops: readonly FaceCrop[], deps: ClassifyDeps): Promise<Classification[]> {
  if (crops.length === 0) return [];
  const { sidecar } = deps.classifier;
  const views = sidecar.hflip ? 2 : 1;
  const logits = await runEmotionModel(deps.classifier, cropsToBatch(crops, sidecar), views * crops.length);
  return logitsToClassifications(logits, crops.length, sidecar);
}
