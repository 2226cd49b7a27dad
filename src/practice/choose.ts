// Which face comes next. Every emotion with faces in the pool can come up, but the emotions the player gets wrong
// come up more often: both the emotion that was missed and the one it was mistaken for, so the player sees the two
// side by side (fear and surprise, anger and disgust). Pure functions; the random source is passed in.
import { EMOTIONS, type Emotion } from '../pipeline/types.js';
import type { PracticeSummary } from '../store/practice.js';
import type { ItemsByEmotion } from './pool.js';
import type { PracticeItem } from './items.js';

export type Confusions = Record<Emotion, Record<Emotion, number>>;
export type Random = () => number;

/** Extra weight per unit of miss rate (0..1) and of mix-up share (0..1) on top of the base weight 1. */
export const MISS_WEIGHT = 3;
export const MIXUP_WEIGHT = 2;

/**
 * Weight of each emotion for the next round: 1 + MISS_WEIGHT * missRate + MIXUP_WEIGHT * mixupShare, 0 when the
 * pool has no face for it. missRate = misses / (asked + 2), so one early miss does not dominate; mixupShare = how
 * often the player wrongly answered this emotion, over all answers + 2.
 */
export function emotionWeights(summary: PracticeSummary, confusions: Confusions, available: ItemsByEmotion): Record<Emotion, number> {
  const weights = {} as Record<Emotion, number>;
  for (const emotion of EMOTIONS) {
    if (available[emotion].length === 0) {
      weights[emotion] = 0;
      continue;
    }
    const { asked, correct } = summary.byEmotion[emotion];
    const missRate = (asked - correct) / (asked + 2);
    const mistakenFor = EMOTIONS.reduce((n, shown) => n + (shown === emotion ? 0 : confusions[shown][emotion]), 0);
    const mixupShare = mistakenFor / (summary.asked + 2);
    weights[emotion] = 1 + MISS_WEIGHT * missRate + MIXUP_WEIGHT * mixupShare;
  }
  return weights;
}

/** Draws an emotion in proportion to its weight; undefined when every weight is 0. */
export function drawEmotion(weights: Record<Emotion, number>, random: Random): Emotion | undefined {
  const total = EMOTIONS.reduce((sum, e) => sum + weights[e], 0);
  if (total <= 0) return undefined;
  let point = random() * total;
  for (const emotion of EMOTIONS) {
    point -= weights[emotion];
    if (point < 0 && weights[emotion] > 0) return emotion;
  }
  return [...EMOTIONS].reverse().find((e) => weights[e] > 0);
}

/** A random face of the list, avoiding the one just shown when there is another. */
export function drawItem(items: readonly PracticeItem[], random: Random, avoidId?: string): PracticeItem | undefined {
  const choices = items.length > 1 && avoidId !== undefined ? items.filter((i) => i.id !== avoidId) : items;
  return choices[Math.min(choices.length - 1, Math.floor(random() * choices.length))];
}

/** The emotions that come up more than the others, most first (at most two), for telling the player why. */
export function focusEmotions(weights: Record<Emotion, number>): Emotion[] {
  return EMOTIONS.filter((e) => weights[e] >= 1.5)
    .sort((a, b) => weights[b] - weights[a])
    .slice(0, 2);
}

export function chooseNextItem(
  summary: PracticeSummary,
  confusions: Confusions,
  available: ItemsByEmotion,
  random: Random,
  avoidId?: string,
): PracticeItem | undefined {
  const emotion = drawEmotion(emotionWeights(summary, confusions, available), random);
  return emotion === undefined ? undefined : drawItem(available[emotion], random, avoidId);
}
