// Opens Visage's SQLite database: WAL, foreign keys, a busy timeout, and versioned migrations kept in code.
// Every failure of SQLite reaches callers as VSG_STORAGE_FAILED with a message that says what to do.

import Database from 'better-sqlite3';
import { VisageError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** Open without writing anything (export, inspection of a backup). Migrations are then not applied. */
  readonly?: boolean;
  /** How long a writer waits for another writer's lock before giving up. */
  busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The schema version this build of Visage writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

interface SqliteLikeError {
  code?: unknown;
  message?: unknown;
}

const HINTS: ReadonlyArray<readonly [prefix: string, what: string]> = [
  ['SQLITE_FULL', 'the disk is full; free some space and try again'],
  ['SQLITE_READONLY', 'the database file or its folder is read-only; check the permissions of the data folder'],
  ['SQLITE_CORRUPT', 'the database file is corrupt; restore it from a backup (visage data backup)'],
  ['SQLITE_NOTADB', 'the file is not a SQLite database; point the data folder elsewhere or restore a backup'],
  ['SQLITE_BUSY', 'the database is locked by another process for too long; try again shortly'],
  ['SQLITE_LOCKED', 'the database is locked; try again shortly'],
  ['SQLITE_CANTOPEN', 'the database file cannot be opened; check that the data folder exists and is writable'],
  ['SQLITE_PERM', 'permission denied; check the permissions of the data folder'],
  ['SQLITE_IOERR', 'a disk input/output error happened; check the disk'],
];

/** Maps a SQLite (or better-sqlite3) failure to VSG_STORAGE_FAILED; other errors (bugs) pass through unchanged. */
export function toStorageError(error: unknown, action: string): unknown {
  if (error instanceof VisageError) return error;
  const { code, message } = (error ?? {}) as SqliteLikeError;
  const text = typeof message === 'string' ? message : String(error);
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    const hint = HINTS.find(([prefix]) => code.startsWith(prefix))?.[1] ?? 'SQLite reported an error';
    return new VisageError('VSG_STORAGE_FAILED', `Could not ${action}: ${hint} (${code}: ${text}).`, { cause: error });
  }
  // better-sqlite3 checks the folder itself before SQLite sees the path.
  if (error instanceof TypeError && /directory does not exist/.test(text)) {
    return new VisageError('VSG_STORAGE_FAILED', `Could not ${action}: the data folder does not exist (${text}).`, {
      cause: error,
    });
  }
  return error;
}

/** Runs fn and turns SQLite failures into VSG_STORAGE_FAILED. */
export function guard<T>(action: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toStorageError(error, action);
  }
}

/**
 * Runs fn in a write transaction taken at once (BEGIN IMMEDIATE), so two writers never deadlock on a lock upgrade.
 * It returns only after COMMIT succeeded: callers acknowledge a write only when this returns.
 */
export function writeTransaction<T>(db: Db, action: string, fn: () => T): T {
  return guard(action, () => db.transaction(fn).immediate());
}

export function readSchemaVersion(db: Db): number {
  return guard('read the schema version', () => db.pragma('user_version', { simple: true }) as number);
}

/** Brings the schema to SCHEMA_VERSION. Safe when several processes open the same new file at once. */
export function migrate(db: Db): number {
  const before = readSchemaVersion(db);
  if (before > SCHEMA_VERSION) {
    throw new VisageError(
      'VSG_STORAGE_FAILED',
      `The database has schema version ${before}, newer than this Visage understands (${SCHEMA_VERSION}); upgrade Visage.`,
    );
  }
  if (before === SCHEMA_VERSION) return before;
  writeTransaction(db, 'migrate the database schema', () => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let version = current; version < SCHEMA_VERSION; version += 1) {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    }
  });
  return SCHEMA_VERSION;
}

function checkBusyTimeout(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new VisageError('VSG_OPTION_INVALID', `Option "busyTimeoutMs" must be a whole number >= 0; received ${String(value)}.`);
  }
  return value;
}

/** Opens (creating when needed) and migrates the database at file. */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  const busyTimeoutMs = checkBusyTimeout(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  const readonly = options.readonly ?? false;
  const db = guard(`open the database ${file}`, () =>
    new Database(file, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs }),
  );
  try {
    guard(`prepare the database ${file}`, () => {
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      db.pragma('foreign_keys = ON');
      // Reading the header here makes a corrupt or foreign file fail at open, not at the first write.
      db.pragma('user_version', { simple: true });
      if (!readonly) {
        db.pragma('journal_mode = WAL');
        // FULL: a committed flag survives a power cut too, not only a crash of the process.
        db.pragma('synchronous = FULL');
      }
    });
    if (!readonly) migrate(db);
    else if (readSchemaVersion(db) !== SCHEMA_VERSION) {
      throw new VisageError(
        'VSG_STORAGE_FAILED',
        `The database ${file} has schema version ${readSchemaVersion(db)}; open it once read-write to migrate it to ${SCHEMA_VERSION}.`,
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** PRAGMA integrity_check: ['ok'] when the file is sound. */
export function integrityCheck(db: Db): string[] {
  return guard('check the database', () =>
    (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check),
  );
}
