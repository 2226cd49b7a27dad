// `visage data export`: everything Visage stores, as one JSON document, read in one snapshot. Face crops are
// left out unless asked for (then base64 PNG), so the default export holds no image of anyone.

import { type Db, guard, SCHEMA_VERSION } from './db.js';

export interface ExportOptions {
  includeCrops?: boolean;
  /** Only this (hashed) user: the answer to "what do you hold about me". */
  userId?: string;
}

export interface DataExport {
  format: 'visage-data-export';
  schemaVersion: number;
  exportedAt: string;
  cropsIncluded: boolean;
  users: Array<Record<string, unknown>>;
  flags: Array<Record<string, unknown>>;
  practiceRounds: Array<Record<string, unknown>>;
  seenMessages: Array<Record<string, unknown>>;
}

const iso = (ms: unknown): string | null => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

export function exportData(db: Db, nowMs: number, options: ExportOptions = {}): DataExport {
  const includeCrops = options.includeCrops ?? false;
  const user = options.userId ?? null;
  // One read transaction: the four lists agree with each other even while the server writes.
  const read = db.transaction(() => ({
    users: db
      .prepare('SELECT id, channel, created_at, last_seen_at FROM users WHERE @user IS NULL OR id = @user ORDER BY created_at')
      .all({ user }) as Array<Record<string, unknown>>,
    flags: db
      .prepare(
        `SELECT id, user_id, channel, analysis_id, face_number, predicted, scores_json, label, comment, status, created_at,
                reviewed_at ${includeCrops ? ', crop_png' : ''}
         FROM flags WHERE @user IS NULL OR user_id = @user ORDER BY id`,
      )
      .all({ user }) as Array<Record<string, unknown>>,
    rounds: db
      .prepare(
        `SELECT id, user_id, channel, item_id, expected, answer, asked_at, answered_at FROM practice_rounds
         WHERE @user IS NULL OR user_id = @user ORDER BY id`,
      )
      .all({ user }) as Array<Record<string, unknown>>,
    // Message ids belong to no user once stored; they are listed only in a full export.
    seen: user === null ? (db.prepare('SELECT mid, seen_at FROM seen_messages ORDER BY seen_at').all() as Array<Record<string, unknown>>) : [],
  }));
  const rows = guard('export the data', () => read.deferred());
  return {
    format: 'visage-data-export',
    schemaVersion: SCHEMA_VERSION,
    exportedAt: new Date(nowMs).toISOString(),
    cropsIncluded: includeCrops,
    users: rows.users.map((r) => ({ id: r.id, channel: r.channel, createdAt: iso(r.created_at), lastSeenAt: iso(r.last_seen_at) })),
    flags: rows.flags.map((r) => ({
      id: r.id,
      userId: r.user_id,
      channel: r.channel,
      analysisId: r.analysis_id,
      face: r.face_number,
      predicted: r.predicted,
      scores: JSON.parse(String(r.scores_json)) as unknown,
      label: r.label,
      comment: r.comment,
      status: r.status,
      createdAt: iso(r.created_at),
      reviewedAt: iso(r.reviewed_at),
      ...(includeCrops ? { cropPngBase64: Buffer.from(r.crop_png as Uint8Array).toString('base64') } : {}),
    })),
    practiceRounds: rows.rounds.map((r) => ({
      id: r.id,
      userId: r.user_id,
      channel: r.channel,
      itemId: r.item_id,
      expected: r.expected,
      answer: r.answer,
      askedAt: iso(r.asked_at),
      answeredAt: iso(r.answered_at),
    })),
    seenMessages: rows.seen.map((r) => ({ mid: r.mid, seenAt: iso(r.seen_at) })),
  };
}
