import { describe, expect, it } from 'vitest';
import { closeAlternative, confidenceLevel, describeFace, describeFaces, positionWords } from '../../src/pipeline/describe.js';
import { EMOTIONS, type Classification, type Emotion } from '../../src/pipeline/types.js';

function classification(top: Emotion, p: number, second?: [Emotion, number]): Classification {
  const rest = (1 - p - (second?.[1] ?? 0)) / (EMOTIONS.length - (second ? 2 : 1));
  const scores = Object.fromEntries(EMOTIONS.map((e) => [e, e === top ? p : e === second?.[0] ? second[1] : rest])) as Classification['scores'];
  return { emotion: top, confidence: p, scores };
}

describe('describe', () => {
  it('turns probabilities into words', () => {
    expect(confidenceLevel(0.92)).toBe('very sure');
    expect(confidenceLevel(0.7)).toBe('fairly sure');
    expect(confidenceLevel(0.5)).toBe('not very sure');
    expect(confidenceLevel(0.3)).toBe('not sure');
  });

  it('names the runner-up only when it is close', () => {
    expect(closeAlternative(classification('happy', 0.45, ['surprise', 0.4]))).toBe('surprise');
    expect(closeAlternative(classification('happy', 0.8, ['surprise', 0.1]))).toBeUndefined();
  });

  it('writes the sentences of the product brief', () => {
    expect(describeFace(2, 'in the middle', classification('happy', 0.7), undefined)).toBe("Person 2, in the middle, looks happy. I'm fairly sure.");
    expect(describeFace(1, '', classification('sad', 0.9), undefined)).toBe("Person 1 looks sad. I'm very sure.");
    expect(describeFace(3, 'on the left', classification('happy', 0.45, ['surprise', 0.4]), 'surprise')).toBe(
      "Person 3, on the left. I'm not sure: happy or surprised.",
    );
  });

  it('numbers faces left to right and places them', () => {
    const faces = [500, 20, 260].map((x) => ({ box: { x, y: 10, width: 40, height: 40 }, detectionScore: 0.9, classification: classification('neutral', 0.6) }));
    const described = describeFaces(faces, 600);
    expect(described.map((f) => [f.number, f.box.x, f.position])).toEqual([
      [1, 20, 'on the left'],
      [2, 260, 'in the middle'],
      [3, 500, 'on the right'],
    ]);
    expect(positionWords({ x: 0, y: 0, width: 10, height: 10 }, 100, 1)).toBe('');
  });
});
