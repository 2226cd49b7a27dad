// Flags: a user says "this face is not <predicted>, it is <label>". Each keeps the face crop (the only image
// Visage ever stores), the scores the model gave, the label, the channel and the time. An operator reviews them;
// only accepted flags become training data (see cli/commands/flags.ts export).

import { VisageError } from '../errors.js';
import { EMOTIONS, type Emotion, type EmotionScores } from '../pipeline/types.js';
import { type Db, guard, writeTransaction } from './db.js';
import type { UserChannel } from './users.js';

export const FLAG_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];
export type ReviewDecision = 'accept' | 'reject';

export const MAX_COMMENT_LENGTH = 500;

export interface NewFlag {
  userId: string;
  channel: UserChannel;
  /** The analysis the face came from; flagging the same face of the same analysis again replaces the label. */
  analysisId?: string;
  /** 1-based face number, as shown on the annotated photo. */
  faceNumber: number;
  predicted: Emotion;
  scores: EmotionScores;
  label: Emotion;
  comment?: string;
  cropPng: Uint8Array;
}

export interface FlagSummary {
  id: number;
  userId: string;
  channel: UserChannel;
  analysisId: string | null;
  faceNumber: number;
  predicted: Emotion;
  scores: EmotionScores;
  label: Emotion;
  comment: string | null;
  status: FlagStatus;
  createdAt: number;
  reviewedAt: number | null;
}

export interface FlagRecord extends FlagSummary {
  cropPng: Buffer;
}

export interface ListFlagsOptions {
  status?: FlagStatus | 'all';
  /** Only flags with an id greater than this (paging). */
  afterId?: number;
  limit?: number;
}

export interface FlagStore {
  /** Stores a flag; returns only after the transaction committed. */
  add(flag: NewFlag): { id: number; created: boolean };
  get(id: number): FlagSummary | undefined;
  getWithCrop(id: number): FlagRecord | undefined;
  list(options?: ListFlagsOptions): FlagSummary[];
  /** Accepted flags with their crops, oldest first, one at a time (export). */
  iterateAccepted(): IterableIterator<FlagRecord>;
  review(id: number, decision: ReviewDecision): FlagSummary;
  countByStatus(): Record<FlagStatus, number>;
}

interface FlagRow {
  id: number;
  user_id: string;
  channel: UserChannel;
  analysis_id: string | null;
  face_number: number;
  predicted: Emotion;
  scores_json: string;
  label: Emotion;
  comment: string | null;
  status: FlagStatus;
  created_at: number;
  reviewed_at: number | null;
  crop_png?: Buffer;
}

const SUMMARY_COLUMNS =
  'id, user_id, channel, analysis_id, face_number, predicted, scores_json, label, comment, status, created_at, reviewed_at';

function toSummary(row: FlagRow): FlagSummary {
  return {
    id: row.id,
    userId: row.user_id,
    channel: row.channel,
    analysisId: row.analysis_id,
    faceNumber: row.face_number,
    predicted: row.predicted,
    scores: JSON.parse(row.scores_json) as EmotionScores,
    label: row.label,
    comment: row.comment,
    status: row.status,
    createdAt: row.created_at,
    reviewedAt: row.reviewed_at,
  };
}

function toRecord(row: FlagRow): FlagRecord {
  return { ...toSummary(row), cropPng: row.crop_png ?? Buffer.alloc(0) };
}

function invalid(message: string): VisageError {
  return new VisageError('VSG_REQUEST_INVALID', message);
}

/** Checks a flag before it reaches SQL, so a bad value gets a clear message instead of a CHECK failure. */
export function checkNewFlag(flag: NewFlag): NewFlag {
  if (!Number.isInteger(flag.faceNumber) || flag.faceNumber < 1) throw invalid('The face number must be a whole number from 1.');
  if (!EMOTIONS.includes(flag.label)) throw invalid(`The emotion must be one of ${EMOTIONS.join(', ')}.`);
  if (!EMOTIONS.includes(flag.predicted)) throw invalid(`The predicted emotion must be one of ${EMOTIONS.join(', ')}.`);
  if (flag.comment !== undefined && flag.comment.length > MAX_COMMENT_LENGTH) {
    throw invalid(`The comment must have at most ${MAX_COMMENT_LENGTH} characters.`);
  }
  if (flag.cropPng.length === 0) throw invalid('The flag has no face crop.');
  for (const emotion of EMOTIONS) {
    if (typeof flag.scores[emotion] !== 'number' || !Number.isFinite(flag.scores[emotion])) {
      throw invalid(`The scores must give a number for ${emotion}.`);
    }
  }
  return flag;
}

export function createFlagStore(db: Db, now: () => number): FlagStore {
  const insert = db.prepare(
    `INSERT INTO flags (user_id, channel, analysis_id, face_number, predicted, scores_json, label, comment, crop_png, created_at)
     VALUES (@userId, @channel, @analysisId, @faceNumber, @predicted, @scores, @label, @comment, @crop, @time)
     ON CONFLICT (user_id, analysis_id, face_number) DO UPDATE SET
       label = excluded.label, comment = excluded.comment, status = 'pending', reviewed_at = NULL,
       created_at = excluded.created_at
     RETURNING id`,
  );
  const findExisting = db
    .prepare('SELECT id FROM flags WHERE user_id = ? AND analysis_id = ? AND face_number = ?')
    .pluck();
  const getOne = db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM flags WHERE id = ?`);
  const getCrop = db.prepare(`SELECT ${SUMMARY_COLUMNS}, crop_png FROM flags WHERE id = ?`);
  const listSome = db.prepare(
    `SELECT ${SUMMARY_COLUMNS} FROM flags WHERE (@status = 'all' OR status = @status) AND id > @afterId ORDER BY id LIMIT @limit`,
  );
  const accepted = db.prepare(`SELECT ${SUMMARY_COLUMNS}, crop_png FROM flags WHERE status = 'accepted' ORDER BY id`);
  const setStatus = db.prepare('UPDATE flags SET status = ?, reviewed_at = ? WHERE id = ?');
  const counts = db.prepare('SELECT status, count(*) AS n FROM flags GROUP BY status');

  return {
    add(flag) {
      const f = checkNewFlag(flag);
      return writeTransaction(db, 'store the flag', () => {
        const before = f.analysisId === undefined ? undefined : findExisting.get(f.userId, f.analysisId, f.faceNumber);
        const row = insert.get({
          userId: f.userId,
          channel: f.channel,
          analysisId: f.analysisId ?? null,
          faceNumber: f.faceNumber,
          predicted: f.predicted,
          scores: JSON.stringify(f.scores),
          label: f.label,
          comment: f.comment ?? null,
          crop: Buffer.from(f.cropPng),
          time: now(),
        }) as { id: number };
        return { id: row.id, created: before === undefined };
      });
    },
    get: (id) => guard('read the flag', () => {
      const row = getOne.get(id) as FlagRow | undefined;
      return row && toSummary(row);
    }),
    getWithCrop: (id) => guard('read the flag', () => {
      const row = getCrop.get(id) as FlagRow | undefined;
      return row && toRecord(row);
    }),
    list: (options = {}) => guard('list the flags', () =>
      (listSome.all({
        status: options.status ?? 'all',
        afterId: options.afterId ?? 0,
        limit: options.limit ?? -1,
      }) as FlagRow[]).map(toSummary),
    ),
    *iterateAccepted() {
      const rows = guard('read the accepted flags', () => accepted.iterate() as IterableIterator<FlagRow>);
      try {
        while (true) {
          // Each step reads from the file, so each is guarded like a single query.
          const next = guard('read the accepted flags', () => rows.next());
          if (next.done === true) return;
          yield toRecord(next.value);
        }
      } finally {
        // A caller that stops early must not leave the statement holding the connection.
        rows.return?.();
      }
    },
    review(id, decision) {
      return writeTransaction(db, 'review the flag', () => {
        const status: FlagStatus = decision === 'accept' ? 'accepted' : 'rejected';
        if (setStatus.run(status, now(), id).changes === 0) {
          throw new VisageError('VSG_NOT_FOUND', `There is no flag ${id}.`);
        }
        return toSummary(getOne.get(id) as FlagRow);
      });
    },
    countByStatus: () => guard('count the flags', () => {
      const result: Record<FlagStatus, number> = { pending: 0, accepted: 0, rejected: 0 };
      for (const row of counts.all() as Array<{ status: FlagStatus; n: number }>) result[row.status] = row.n;
      return result;
    }),
  };
}
