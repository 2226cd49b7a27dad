// Messenger retries a webhook delivery when it is not answered fast enough, and a restart must not answer a
// message twice, so message ids are remembered in the database. Ids are dropped with the retention purge.

import { VisageError } from '../errors.js';
import { type Db, guard } from './db.js';

export interface MessageDedupStore {
  /**
   * Records the message id and says whether it had been recorded before: true means "already handled, skip it".
   * The insert is one atomic statement, so two deliveries racing for the same id get one false and one true.
   */
  seen(mid: string): boolean;
}

export function createMessageDedupStore(db: Db, now: () => number): MessageDedupStore {
  const insert = db.prepare('INSERT INTO seen_messages (mid, seen_at) VALUES (?, ?) ON CONFLICT (mid) DO NOTHING');
  return {
    seen(mid) {
      if (typeof mid !== 'string' || mid.length === 0 || mid.length > 512) {
        throw new VisageError('VSG_REQUEST_INVALID', 'A message id must be a string of 1 to 512 characters.');
      }
      return guard('record the message id', () => insert.run(mid, now()).changes === 0);
    },
  };
}
