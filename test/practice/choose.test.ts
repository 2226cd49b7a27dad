// Choosing the next practice face: every emotion with faces can come up, the ones the player misses (and the ones
// they answer by mistake) come up more, and the face just shown is not shown again at once.
import { describe, expect, it } from 'vitest';
import { EMOTIONS, type Emotion } from '../../src/pipeline/types.js';
import { chooseNextItem, drawEmotion, drawItem, emotionWeights, focusEmotions, type Confusions } from '../../src/practice/choose.js';
import { groupByEmotion } from '../../src/practice/pool.js';
import { emptySummary, toProgress } from '../../src/practice/score.js';
import type { PracticeSummary } from '../../src/store/practice.js';

/** A seeded generator (mulberry32), so the draws are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POOL = groupByEmotion(EMOTIONS.flatMap((e) => [0, 1, 2].map((i) => ({ id: `${e}:${i}`, emotion: e }))));

function noConfusions(): Confusions {
  return Object.fromEntries(EMOTIONS.map((e) => [e, Object.fromEntries(EMOTIONS.map((a) => [a, 0]))])) as Confusions;
}

/** A player who answered `n` fear faces as surprise and got `n` faces of every other emotion right. */
function fearAsSurprisePlayer(n: number): { summary: PracticeSummary; confusions: Confusions } {
  const summary = emptySummary();
  const confusions = noConfusions();
  for (const e of EMOTIONS) {
    summary.byEmotion[e] = { asked: n, correct: e === 'fear' ? 0 : n };
    confusions[e][e === 'fear' ? 'surprise' : e] = n;
  }
  summary.asked = n * EMOTIONS.length;
  summary.correct = n * (EMOTIONS.length - 1);
  return { summary, confusions };
}

function countDraws(summary: PracticeSummary, confusions: Confusions, draws: number): Record<Emotion, number> {
  const random = seeded(7);
  const counts = Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>;
  for (let i = 0; i < draws; i++) {
    const item = chooseNextItem(summary, confusions, POOL, random);
    if (item !== undefined) counts[item.emotion] += 1;
  }
  return counts;
}

describe('choosing the next practice face', () => {
  it('gives a new player every emotion about equally often', () => {
    const counts = countDraws(emptySummary(), noConfusions(), 7000);
    for (const e of EMOTIONS) expect(counts[e], e).toBeGreaterThan(850);
    expect(focusEmotions(emotionWeights(emptySummary(), noConfusions(), POOL))).toEqual([]);
  });

  it('shows the missed emotion and the one it was mistaken for more often', () => {
    const { summary, confusions } = fearAsSurprisePlayer(6);
    const weights = emotionWeights(summary, confusions, POOL);
    expect(weights.fear).toBeCloseTo(1 + 3 * (6 / 8), 5);
    expect(weights.surprise).toBeCloseTo(1 + 2 * (6 / 44), 5);
    expect(weights.happy).toBeCloseTo(1, 5);
    const counts = countDraws(summary, confusions, 7000);
    const share = counts.fear / 7000;
    // fear's weight is 3.25 of a total of 9.52: about 34% of the rounds instead of 14%.
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.38);
    expect(counts.surprise).toBeGreaterThan(counts.happy);
    expect(focusEmotions(weights)).toEqual(['fear']);
  });

  it('never picks an emotion without faces, and nothing from an empty pool', () => {
    const onlyHappy = groupByEmotion([{ id: 'h', emotion: 'happy' }]);
    const { summary, confusions } = fearAsSurprisePlayer(6);
    expect(emotionWeights(summary, confusions, onlyHappy).fear).toBe(0);
    expect(chooseNextItem(summary, confusions, onlyHappy, seeded(1))?.id).toBe('h');
    expect(chooseNextItem(summary, confusions, groupByEmotion([]), seeded(1))).toBeUndefined();
    expect(drawEmotion(Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>, seeded(1))).toBeUndefined();
  });

  it('does not show the same face twice in a row when there is another', () => {
    const random = seeded(3);
    const items = POOL.happy;
    for (let i = 0; i < 50; i++) expect(drawItem(items, random, 'happy:1')?.id).not.toBe('happy:1');
    expect(drawItem([{ id: 'only', emotion: 'sad' }], random, 'only')?.id).toBe('only');
  });
});

describe('practice score', () => {
  it('gives whole percents per emotion and per day, null before the first try', () => {
    const { summary } = fearAsSurprisePlayer(3);
    const progress = toProgress(summary, [{ day: '2025-03-01', asked: 21, correct: 18 }], ['fear']);
    expect(progress.percent).toBe(86);
    expect(progress.byEmotion.find((s) => s.emotion === 'fear')).toEqual({ emotion: 'fear', asked: 3, correct: 0, percent: 0 });
    expect(progress.daily).toEqual([{ day: '2025-03-01', asked: 21, correct: 18, percent: 86 }]);
    expect(toProgress(emptySummary(), [], []).byEmotion.every((s) => s.percent === null)).toBe(true);
  });
});
