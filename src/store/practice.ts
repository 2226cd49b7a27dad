// Practice rounds: a face from the practice pool is shown, the player picks an emotion. A round is stored when it
// is asked and completed when answered, so a chat (Messenger) can answer minutes later and after a restart.

import { VisageError } from '../errors.js';
import { EMOTIONS, type Emotion } from '../pipeline/types.js';
import { type Db, guard, writeTransaction } from './db.js';
import type { UserChannel } from './users.js';

export interface NewRound {
  userId: string;
  channel: UserChannel;
  /** The practice pool item shown (for example "fer2013:1234" or "flag:17"). */
  itemId: string;
  expected: Emotion;
}

export interface PracticeRound {
  id: number;
  userId: string;
  channel: UserChannel;
  itemId: string;
  expected: Emotion;
  answer: Emotion | null;
  askedAt: number;
  answeredAt: number | null;
}

export interface AnswerResult {
  round: PracticeRound;
  correct: boolean;
}

export interface EmotionTally {
  asked: number;
  correct: number;
}

export interface PracticeSummary {
  asked: number;
  correct: number;
  byEmotion: Record<Emotion, EmotionTally>;
}

export interface DailyProgress {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  asked: number;
  correct: number;
}

export interface PracticeStore {
  start(round: NewRound): PracticeRound;
  /** Answers a round of this user; answering twice keeps the first answer (a retried message counts once). */
  answer(userId: string, roundId: number, answer: Emotion): AnswerResult;
  /** The user's latest unanswered round, if any. */
  openRound(userId: string): PracticeRound | undefined;
  /** Answered rounds only; sinceMs limits it to a session. */
  summary(userId: string, options?: { sinceMs?: number }): PracticeSummary;
  /** confusions[expected][answer] = how often the player answered `answer` when the face showed `expected`. */
  confusions(userId: string): Record<Emotion, Record<Emotion, number>>;
  daily(userId: string, options?: { sinceMs?: number }): DailyProgress[];
}

interface RoundRow {
  id: number;
  user_id: string;
  channel: UserChannel;
  item_id: string;
  expected: Emotion;
  answer: Emotion | null;
  asked_at: number;
  answered_at: number | null;
}

const COLUMNS = 'id, user_id, channel, item_id, expected, answer, asked_at, answered_at';
const DAY_MS = 86_400_000;

function toRound(row: RoundRow): PracticeRound {
  return {
    id: row.id,
    userId: row.user_id,
    channel: row.channel,
    itemId: row.item_id,
    expected: row.expected,
    answer: row.answer,
    askedAt: row.asked_at,
    answeredAt: row.answered_at,
  };
}

function checkEmotion(value: unknown, name: string): Emotion {
  if (!EMOTIONS.includes(value as Emotion)) {
    throw new VisageError('VSG_REQUEST_INVALID', `The ${name} must be one of ${EMOTIONS.join(', ')}.`);
  }
  return value as Emotion;
}

function emptyTallies(): Record<Emotion, EmotionTally> {
  return Object.fromEntries(EMOTIONS.map((e) => [e, { asked: 0, correct: 0 }])) as Record<Emotion, EmotionTally>;
}

export function createPracticeStore(db: Db, now: () => number): PracticeStore {
  const insert = db.prepare(
    `INSERT INTO practice_rounds (user_id, channel, item_id, expected, asked_at) VALUES (?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
  );
  const byId = db.prepare(`SELECT ${COLUMNS} FROM practice_rounds WHERE id = ? AND user_id = ?`);
  const setAnswer = db.prepare(
    'UPDATE practice_rounds SET answer = ?, answered_at = ? WHERE id = ? AND user_id = ? AND answer IS NULL',
  );
  const open = db.prepare(
    `SELECT ${COLUMNS} FROM practice_rounds WHERE user_id = ? AND answer IS NULL ORDER BY asked_at DESC, id DESC LIMIT 1`,
  );
  const tallies = db.prepare(
    `SELECT expected, count(*) AS asked, sum(answer = expected) AS correct FROM practice_rounds
     WHERE user_id = ? AND answer IS NOT NULL AND answered_at >= ? GROUP BY expected`,
  );
  const pairs = db.prepare(
    `SELECT expected, answer, count(*) AS n FROM practice_rounds WHERE user_id = ? AND answer IS NOT NULL GROUP BY expected, answer`,
  );
  const days = db.prepare(
    `SELECT answered_at / ${DAY_MS} AS day, count(*) AS asked, sum(answer = expected) AS correct FROM practice_rounds
     WHERE user_id = ? AND answer IS NOT NULL AND answered_at >= ? GROUP BY day ORDER BY day`,
  );

  return {
    start(round) {
      checkEmotion(round.expected, 'expected emotion');
      if (round.itemId.length === 0) throw new VisageError('VSG_REQUEST_INVALID', 'A practice round needs an item id.');
      return guard('start the practice round', () =>
        toRound(insert.get(round.userId, round.channel, round.itemId, round.expected, now()) as RoundRow),
      );
    },
    answer(userId, roundId, answer) {
      checkEmotion(answer, 'answer');
      return writeTransaction(db, 'store the practice answer', () => {
        setAnswer.run(answer, now(), roundId, userId);
        const row = byId.get(roundId, userId) as RoundRow | undefined;
        if (row === undefined) throw new VisageError('VSG_NOT_FOUND', `There is no practice round ${roundId} for this user.`);
        const round = toRound(row);
        return { round, correct: round.answer === round.expected };
      });
    },
    openRound: (userId) => guard('read the practice round', () => {
      const row = open.get(userId) as RoundRow | undefined;
      return row && toRound(row);
    }),
    summary: (userId, options = {}) => guard('read the practice summary', () => {
      const byEmotion = emptyTallies();
      let asked = 0;
      let correct = 0;
      const rows = tallies.all(userId, options.sinceMs ?? 0) as Array<{ expected: Emotion; asked: number; correct: number }>;
      for (const row of rows) {
        byEmotion[row.expected] = { asked: row.asked, correct: row.correct };
        asked += row.asked;
        correct += row.correct;
      }
      return { asked, correct, byEmotion };
    }),
    confusions: (userId) => guard('read the practice confusions', () => {
      const matrix = Object.fromEntries(
        EMOTIONS.map((e) => [e, Object.fromEntries(EMOTIONS.map((a) => [a, 0]))]),
      ) as Record<Emotion, Record<Emotion, number>>;
      for (const row of pairs.all(userId) as Array<{ expected: Emotion; answer: Emotion; n: number }>) {
        matrix[row.expected][row.answer] = row.n;
      }
      return matrix;
    }),
    daily: (userId, options = {}) => guard('read the practice progress', () =>
      (days.all(userId, options.sinceMs ?? 0) as Array<{ day: number; asked: number; correct: number }>).map((row) => ({
        day: new Date(row.day * DAY_MS).toISOString().slice(0, 10),
        asked: row.asked,
        correct: row.correct,
      })),
    ),
  };
}
