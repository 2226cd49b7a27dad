// The player's score as the page and the API show it: right answers out of tries, overall, per emotion and per day.
import { EMOTIONS, type Emotion } from '../pipeline/types.js';
import type { DailyProgress, PracticeSummary } from '../store/practice.js';

export interface EmotionScore {
  emotion: Emotion;
  asked: number;
  correct: number;
  /** Whole percent right; null before the first try. */
  percent: number | null;
}

export interface DayScore extends DailyProgress {
  percent: number;
}

export interface PracticeProgress {
  asked: number;
  correct: number;
  percent: number | null;
  byEmotion: EmotionScore[];
  daily: DayScore[];
  /** Emotions that come up more often because they were harder for this player. */
  focus: Emotion[];
}

export function emptySummary(): PracticeSummary {
  const byEmotion = Object.fromEntries(EMOTIONS.map((e) => [e, { asked: 0, correct: 0 }])) as PracticeSummary['byEmotion'];
  return { asked: 0, correct: 0, byEmotion };
}

export function percentRight(correct: number, asked: number): number | null {
  return asked === 0 ? null : Math.round((100 * correct) / asked);
}

export function toProgress(summary: PracticeSummary, daily: readonly DailyProgress[], focus: readonly Emotion[]): PracticeProgress {
  return {
    asked: summary.asked,
    correct: summary.correct,
    percent: percentRight(summary.correct, summary.asked),
    byEmotion: EMOTIONS.map((emotion) => {
      const { asked, correct } = summary.byEmotion[emotion];
      return { emotion, asked, correct, percent: percentRight(correct, asked) };
    }),
    daily: daily.map((day) => ({ ...day, percent: percentRight(day.correct, day.asked) ?? 0 })),
    focus: [...focus],
  };
}
