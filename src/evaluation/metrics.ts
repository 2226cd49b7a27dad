// Classification metrics in FER2013's label order: accuracy, macro-F1, per-class precision/recall/F1 and the
// confusion matrix (rows = true label, columns = prediction).
import { EMOTIONS, type Emotion } from '../pipeline/types.js';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EvalMetrics {
  n: number;
  accuracy: number;
  macroF1: number;
  perClass: Record<Emotion, ClassMetrics>;
  confusion: number[][];
}

export function computeMetrics(truth: readonly Emotion[], predicted: readonly Emotion[]): EvalMetrics {
  if (truth.length !== predicted.length) throw new Error('truth and predictions differ in length');
  const index = new Map(EMOTIONS.map((e, i) => [e, i]));
  const confusion = EMOTIONS.map(() => EMOTIONS.map(() => 0));
  truth.forEach((t, i) => {
    const row = confusion[index.get(t) ?? -1];
    const col = index.get(predicted[i] ?? 'neutral') ?? -1;
    if (row !== undefined) row[col] = (row[col] ?? 0) + 1;
  });
  const perClass = {} as Record<Emotion, ClassMetrics>;
  let correct = 0;
  EMOTIONS.forEach((e, k) => {
    const tp = confusion[k]?.[k] ?? 0;
    correct += tp;
    const support = (confusion[k] ?? []).reduce((a, b) => a + b, 0);
    const predictedK = confusion.reduce((a, row) => a + (row[k] ?? 0), 0);
    const precision = predictedK === 0 ? 0 : tp / predictedK;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[e] = { precision, recall, f1, support };
  });
  const n = truth.length;
  return {
    n,
    accuracy: n === 0 ? 0 : correct / n,
    macroF1: EMOTIONS.reduce((a, e) => a + perClass[e].f1, 0) / EMOTIONS.length,
    perClass,
    confusion,
  };
}
