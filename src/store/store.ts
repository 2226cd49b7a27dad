// The store every channel shares: one SQLite file (<dataDir>/visage.db) plus the user id salt next to it.
// Channels get hashed user ids from store.users.resolve() and pass only those to the other tables.

import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { VisageError } from '../errors.js';
import { backupDatabase, type BackupResult } from './backup.js';
import { type Db, integrityCheck, openDatabase, readSchemaVersion } from './db.js';
import { type DataExport, exportData, type ExportOptions } from './export.js';
import { createFlagStore, type FlagStore } from './flags.js';
import { createMessageDedupStore, type MessageDedupStore } from './message-dedup.js';
import { createPracticeStore, type PracticeStore } from './practice.js';
import { type PurgeCounts, purgeExpired } from './retention.js';
import { checkSalt, createUserStore, loadOrCreateSalt, type UserStore } from './users.js';

export const DATABASE_FILE_NAME = 'visage.db';

export interface StoreOptions {
  /** The SQLite file. */
  file: string;
  /** Secret for hashing user ids (at least 16 characters), or how to get it when first needed. */
  salt: string | (() => string);
  readonly?: boolean;
  busyTimeoutMs?: number;
  /** Clock, in ms since the epoch; tests pass their own. */
  now?: () => number;
}

export interface Store {
  readonly file: string;
  readonly db: Db;
  readonly users: UserStore;
  readonly flags: FlagStore;
  readonly practice: PracticeStore;
  readonly messages: MessageDedupStore;
  schemaVersion(): number;
  integrityCheck(): string[];
  purgeExpired(retentionDays: number): PurgeCounts;
  backup(file: string): Promise<BackupResult>;
  exportData(options?: ExportOptions): DataExport;
  close(): void;
}

export function openStore(options: StoreOptions): Store {
  const saltSource = options.salt;
  const now = options.now ?? Date.now;
  const db = openDatabase(options.file, { readonly: options.readonly, busyTimeoutMs: options.busyTimeoutMs });
  // Read-only stores (export, inspection) prepare no write statements they could not run anyway.
  const lazy = <T>(make: () => T): (() => T) => {
    let made: T | undefined;
    return () => (made ??= make());
  };
  const users = lazy(() =>
    createUserStore(db, checkSalt(typeof saltSource === 'string' ? saltSource : saltSource()), now),
  );
  const flags = lazy(() => createFlagStore(db, now));
  const practice = lazy(() => createPracticeStore(db, now));
  const messages = lazy(() => createMessageDedupStore(db, now));
  return {
    file: options.file,
    db,
    get users() {
      return users();
    },
    get flags() {
      return flags();
    },
    get practice() {
      return practice();
    },
    get messages() {
      return messages();
    },
    schemaVersion: () => readSchemaVersion(db),
    integrityCheck: () => integrityCheck(db),
    purgeExpired: (retentionDays) => purgeExpired(db, retentionDays, now()),
    backup: (file) => backupDatabase(db, file),
    exportData: (exportOptions) => exportData(db, now(), exportOptions),
    close: () => {
      if (db.open) db.close();
    },
  };
}

export interface DataStoreOptions {
  /** Overrides the salt file in the data folder (config `userIdSalt`). */
  salt?: string;
  readonly?: boolean;
  busyTimeoutMs?: number;
  now?: () => number;
}

/** Opens <dataDir>/visage.db, creating the folder and the salt file when needed. */
export function openDataStore(dataDir: string, options: DataStoreOptions = {}): Store {
  if (typeof dataDir !== 'string' || dataDir.length === 0) {
    throw new VisageError('VSG_OPTION_INVALID', 'Option "dataDir" must be a folder path.');
  }
  if (!options.readonly) {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      throw new VisageError('VSG_STORAGE_FAILED', `Could not create the data folder ${dataDir}: ${String(error)}.`, { cause: error });
    }
  }
  // The salt is read (or created) only when a user id is hashed, so a read-only export needs no salt file.
  const salt = options.salt ?? ((): string => loadOrCreateSalt(dataDir));
  return openStore({ ...options, file: join(dataDir, DATABASE_FILE_NAME), salt });
}
