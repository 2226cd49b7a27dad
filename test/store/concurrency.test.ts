import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { SALT, useTempDirs } from './helpers/store-fixtures.js';

const tempDir = useTempDirs();
const WRITERS = 4;
const WRITES = 60;

interface WriterReport {
  flagIds: number[];
  claimed: string[];
  rounds: number;
}

function runWriter(dataDir: string, index: number): Promise<WriterReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', './test/store/helpers/ts-register.mjs', './test/store/helpers/concurrent-writer.ts', dataDir, String(index), String(WRITES)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim()) as WriterReport);
      else reject(new Error(`writer ${index} exited with ${String(code)}: ${err}`));
    });
  });
}

describe('several processes writing at once', () => {
  it('create the database together and lose no write', async () => {
    const dataDir = tempDir();
    // All start on a folder without a database, so they also race to create and migrate it.
    const reports = await Promise.all(Array.from({ length: WRITERS }, (_, i) => runWriter(dataDir, i)));

    const store = openStore({ file: join(dataDir, 'visage.db'), salt: SALT, readonly: true });
    expect(store.integrityCheck()).toEqual(['ok']);
    const acknowledged = reports.flatMap((r) => r.flagIds).sort((a, b) => a - b);
    expect(new Set(acknowledged).size).toBe(WRITERS * WRITES);
    expect(store.flags.list().map((f) => f.id)).toEqual(acknowledged);

    const claimed = reports.flatMap((r) => r.claimed).sort();
    expect(claimed).toEqual(Array.from({ length: WRITES }, (_, i) => `shared-${i + 1}`).sort());
    expect(reports.every((r) => r.rounds === WRITES)).toBe(true);
    expect(store.db.prepare('SELECT count(*) FROM practice_rounds WHERE answer IS NOT NULL').pluck().get()).toBe(WRITERS * WRITES);
    store.close();
  }, 60_000);
});
