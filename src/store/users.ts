// Who did what, without keeping who they are: every user id is HMAC-SHA256(secret salt, "channel:raw id"). The
// salt lives outside the database (a file in the data folder, or the configuration), so a leaked database or
// export cannot be matched back to Messenger ids or browser cookies by guessing.

import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VisageError } from '../errors.js';
import { type Db, guard, writeTransaction } from './db.js';

export const USER_CHANNELS = ['web', 'api', 'messenger', 'cli'] as const;
export type UserChannel = (typeof USER_CHANNELS)[number];

/** The anonymous id a browser keeps (cookie) and the header an API client may send instead. */
export const USER_COOKIE_NAME = 'visage_uid';
export const USER_HEADER_NAME = 'x-visage-user';

export const SALT_FILE_NAME = 'user-id.salt';
const MIN_SALT_LENGTH = 16;
const HASHED_ID = /^[0-9a-f]{64}$/;

/** Reads <dataDir>/user-id.salt, creating it (random, owner-only) on first use. */
export function loadOrCreateSalt(dataDir: string): string {
  const file = join(dataDir, SALT_FILE_NAME);
  try {
    mkdirSync(dataDir, { recursive: true });
    try {
      return checkSalt(readFileSync(file, 'utf8').trim(), file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // 'wx': if another process created it a moment ago, keep theirs.
    try {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return checkSalt(readFileSync(file, 'utf8').trim(), file);
  } catch (error) {
    if (error instanceof VisageError) throw error;
    throw new VisageError('VSG_STORAGE_FAILED', `Could not read or create the user id salt ${file}: ${String(error)}.`, {
      cause: error,
    });
  }
}

export function checkSalt(salt: string, where = 'userIdSalt'): string {
  if (salt.length < MIN_SALT_LENGTH) {
    throw new VisageError('VSG_CONFIG_INVALID', `The user id salt (${where}) must have at least ${MIN_SALT_LENGTH} characters.`);
  }
  return salt;
}

export function hashUserId(salt: string, channel: UserChannel, rawId: string): string {
  return createHmac('sha256', salt).update(`${channel}:${rawId}`).digest('hex');
}

export function isHashedUserId(value: string): boolean {
  return HASHED_ID.test(value);
}

export interface DeletedCounts {
  users: number;
  flags: number;
  practiceRounds: number;
}

export interface UserStore {
  /** The hashed id for a channel's raw id; records the user (or refreshes last seen). */
  resolve(channel: UserChannel, rawId: string): string;
  /** The hashed id, without writing anything. */
  hash(channel: UserChannel, rawId: string): string;
  exists(userId: string): boolean;
  /** Deletes the user with their flags (crops included) and practice rounds, in one transaction. */
  delete(userId: string): DeletedCounts;
}

function checkRawId(rawId: unknown): string {
  if (typeof rawId !== 'string' || rawId.length === 0 || rawId.length > 256) {
    throw new VisageError('VSG_REQUEST_INVALID', 'A user id must be a string of 1 to 256 characters.');
  }
  return rawId;
}

export function createUserStore(db: Db, salt: string, now: () => number): UserStore {
  const upsert = db.prepare(
    `INSERT INTO users (id, channel, created_at, last_seen_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
  );
  const exists = db.prepare('SELECT 1 FROM users WHERE id = ?').pluck();
  const countFlags = db.prepare('SELECT count(*) FROM flags WHERE user_id = ?').pluck();
  const countRounds = db.prepare('SELECT count(*) FROM practice_rounds WHERE user_id = ?').pluck();
  const remove = db.prepare('DELETE FROM users WHERE id = ?');
  const hash = (channel: UserChannel, rawId: string): string => hashUserId(salt, channel, checkRawId(rawId));
  return {
    hash,
    resolve(channel, rawId) {
      const id = hash(channel, rawId);
      const time = now();
      guard('record the user', () => upsert.run(id, channel, time, time));
      return id;
    },
    exists: (userId) => guard('look up the user', () => exists.get(userId) !== undefined),
    delete(userId) {
      // Rows go by ON DELETE CASCADE; counted first so the operator sees what went.
      return writeTransaction(db, 'delete the user', () => {
        const flags = countFlags.get(userId) as number;
        const practiceRounds = countRounds.get(userId) as number;
        const users = remove.run(userId).changes;
        return { users, flags, practiceRounds };
      });
    },
  };
}
