// Stage 4 after the network: logits -> calibrated scores, with the sidecar's temperature and class offsets, read from
// the committed sidecar and from edited copies of it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEmotionSidecar } from '../../src/models/emotion-classifier.js';
import { logitsToClassifications, softmax } from '../../src/pipeline/classify.js';
import { EMOTIONS } from '../../src/pipeline/types.js';

const committed = JSON.parse(readFileSync(join('assets', 'models', 'emotion.json'), 'utf8')) as Record<string, unknown>;

function sidecarWith(changes: Record<string, unknown>) {
  const json: Record<string, unknown> = { ...committed, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete json[key];
  return parseEmotionSidecar(json, 'test.json');
}

describe('class offsets in the emotion sidecar', () => {
  it('reads the committed offsets, one per label', () => {
    const sidecar = parseEmotionSidecar(committed, 'emotion.json');
    expect(sidecar.classBias).toHaveLength(EMOTIONS.length);
    expect(sidecar.classBias).toEqual(committed.classBias ?? new Array(EMOTIONS.length).fill(0));
  });

  it('treats a sidecar without offsets as zeros', () => {
    expect(sidecarWith({ classBias: undefined }).classBias).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it.each([
    ['too few', [0, 0, 0]],
    ['too many', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['not numbers', ['a', 0, 0, 0, 0, 0, 0]],
    ['out of range', [0, 0, 9, 0, 0, 0, 0]],
    ['not a list', 0.5],
  ])('refuses offsets that are %s with VSG_MODEL_INVALID', (_what, classBias) => {
    expect(() => sidecarWith({ classBias })).toThrow(expect.objectContaining({ code: 'VSG_MODEL_INVALID', message: expect.stringContaining('classBias') }));
  });
});

describe('logitsToClassifications', () => {
  const labels = [...EMOTIONS];
  // One face, one view: the network slightly prefers the first label over the third.
  const logits = Float32Array.from([1.0, 0, 0.8, 0, 0, 0, 0]);

  it('is softmax(logits / T + offsets), in label order', () => {
    const bias = [0, 0.1, -0.2, 0.3, 0, -0.1, -0.1];
    const sidecar = { ...sidecarWith({ classBias: bias, temperature: 2 }), labels };
    const [face] = logitsToClassifications(logits, 1, sidecar);
    const expected = softmax([...logits].map((v, j) => v / 2 + (bias[j] ?? 0)));
    labels.forEach((label, j) => expect(face?.scores[label]).toBeCloseTo(expected[j] ?? NaN, 12));
  });

  it('lets an offset change which emotion is named when the network is nearly undecided', () => {
    const plain = { ...sidecarWith({ classBias: [0, 0, 0, 0, 0, 0, 0], temperature: 1 }), labels };
    const favourThird = { ...plain, classBias: [0, 0, 0.3, 0, 0, 0, 0] };
    expect(logitsToClassifications(logits, 1, plain)[0]?.emotion).toBe(labels[0]);
    expect(logitsToClassifications(logits, 1, favourThird)[0]?.emotion).toBe(labels[2]);
  });
});
