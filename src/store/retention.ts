// Retention: everything older than retentionDays goes, whatever its status: flags with their crops (accepted ones
// too: export them for training first), practice rounds, remembered message ids, and users with nothing left.

import { VisageError } from '../errors.js';
import { type Db, writeTransaction } from './db.js';

const DAY_MS = 86_400_000;

export interface PurgeCounts {
  flags: number;
  practiceRounds: number;
  seenMessages: number;
  users: number;
}

export function checkRetentionDays(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new VisageError('VSG_OPTION_INVALID', `Option "retentionDays" must be a whole number >= 1; received ${String(value)}.`);
  }
  return value;
}

/** Deletes what is older than retentionDays before nowMs, in one transaction. */
export function purgeExpired(db: Db, retentionDays: number, nowMs: number): PurgeCounts {
  const cutoff = nowMs - checkRetentionDays(retentionDays) * DAY_MS;
  return writeTransaction(db, 'purge old data', () => {
    const flags = db.prepare('DELETE FROM flags WHERE created_at < ?').run(cutoff).changes;
    const practiceRounds = db.prepare('DELETE FROM practice_rounds WHERE asked_at < ?').run(cutoff).changes;
    const seenMessages = db.prepare('DELETE FROM seen_messages WHERE seen_at < ?').run(cutoff).changes;
    const users = db
      .prepare(
        `DELETE FROM users WHERE last_seen_at < ?
           AND NOT EXISTS (SELECT 1 FROM flags WHERE flags.user_id = users.id)
           AND NOT EXISTS (SELECT 1 FROM practice_rounds WHERE practice_rounds.user_id = users.id)`,
      )
      .run(cutoff).changes;
    return { flags, practiceRounds, seenMessages, users };
  });
}

/** Purges now and then every intervalMs until the returned stop() is called; failures go to onError. */
export function schedulePurge(
  run: () => PurgeCounts,
  intervalMs: number,
  onResult: (counts: PurgeCounts) => void,
  onError: (error: unknown) => void,
): () => void {
  const tick = (): void => {
    try {
      onResult(run());
    } catch (error) {
      onError(error);
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
