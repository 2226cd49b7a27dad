import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../src/evaluation/metrics.js';
import type { Emotion } from '../../src/pipeline/types.js';

describe('computeMetrics', () => {
  it('computes accuracy, per-class precision/recall/F1 and the confusion matrix in FER order', () => {
    const truth: Emotion[] = ['happy', 'happy', 'sad', 'angry'];
    const predicted: Emotion[] = ['happy', 'sad', 'sad', 'sad'];
    const m = computeMetrics(truth, predicted);
    expect(m.accuracy).toBeCloseTo(0.5);
    expect(m.perClass.happy).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(m.perClass.sad.precision).toBeCloseTo(1 / 3);
    expect(m.perClass.sad.f1).toBeCloseTo(0.5);
    expect(m.confusion[3]).toEqual([0, 0, 0, 1, 1, 0, 0]);
    expect(m.confusion[0]).toEqual([0, 0, 0, 0, 1, 0, 0]);
    expect(m.macroF1).toBeCloseTo((2 / 3 + 0.5) / 7);
  });
});
