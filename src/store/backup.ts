// Online backup through SQLite's backup API: the server keeps running and writing while it copies. The copy is
// written next to the target, checked, then renamed into place, so a failed backup never leaves half a file.

import { renameSync, rmSync } from 'node:fs';
import { VisageError } from '../errors.js';
import { type Db, integrityCheck, openDatabase, toStorageError } from './db.js';

export interface BackupResult {
  file: string;
  pages: number;
  schemaVersion: number;
}

export async function backupDatabase(db: Db, file: string): Promise<BackupResult> {
  const temp = `${file}.partial-${process.pid}`;
  try {
    const progress = await db.backup(temp);
    const copy = openDatabase(temp, { readonly: true });
    try {
      const check = integrityCheck(copy);
      if (check.join() !== 'ok') {
        throw new VisageError('VSG_STORAGE_FAILED', `The backup copy failed its integrity check: ${check.slice(0, 3).join('; ')}.`);
      }
      const schemaVersion = copy.pragma('user_version', { simple: true }) as number;
      copy.close();
      renameSync(temp, file);
      return { file, pages: progress.totalPages, schemaVersion };
    } finally {
      if (copy.open) copy.close();
    }
  } catch (error) {
    rmSync(temp, { force: true });
    const mapped = toStorageError(error, `back up the database to ${file}`);
    if (mapped instanceof VisageError) throw mapped;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string') {
      throw new VisageError('VSG_STORAGE_FAILED', `Could not back up the database to ${file}: ${String(error)}.`, { cause: error });
    }
    throw error;
  }
}
