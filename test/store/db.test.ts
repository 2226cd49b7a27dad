import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase, SCHEMA_VERSION } from '../../src/store/db.js';
import { openStore } from '../../src/store/store.js';
import { makeCropPng, openTestStore, SALT, sampleFlag, useTempDirs } from './helpers/store-fixtures.js';

const tempDir = useTempDirs();
const fixtures = new URL('./fixtures/', import.meta.url);
const TABLES = ['flags', 'practice_rounds', 'seen_messages', 'users'];

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]);
}

describe('openDatabase', () => {
  it('creates the latest schema with WAL and foreign keys', () => {
    const db = openDatabase(join(tempDir(), 'visage.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(tables(db)).toEqual(TABLES);
    db.close();
  });

  const schemaFixtures = readdirSync(fixtures).filter((f) => /^schema-v\d+\.sql$/.test(f));
  it('has a fixture for every earlier schema version', () => {
    expect(schemaFixtures.map((f) => Number(/\d+/.exec(f)?.[0])).sort()).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, v) => v),
    );
  });

  for (const fixture of schemaFixtures) {
    it(`migrates ${fixture} to the latest schema and reopens without change`, async () => {
      const file = join(tempDir(), 'visage.db');
      const raw = new Database(file);
      raw.exec(readFileSync(new URL(fixture, fixtures), 'utf8'));
      raw.close();
      const store = openStore({ file, salt: SALT });
      expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
      const userId = store.users.resolve('web', 'someone-1234567890');
      const { id } = store.flags.add(sampleFlag(userId, await makeCropPng()));
      const schemaBefore = store.db.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all();
      store.close();

      const again = openStore({ file, salt: SALT });
      expect(again.schemaVersion()).toBe(SCHEMA_VERSION);
      expect(again.db.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all()).toEqual(schemaBefore);
      expect(again.flags.get(id)?.label).toBe('sad');
      expect(again.integrityCheck()).toEqual(['ok']);
      again.close();
    });
  }

  it('refuses a database from a newer Visage', () => {
    const file = join(tempDir(), 'visage.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(expect.objectContaining({ code: 'VSG_STORAGE_FAILED', message: expect.stringMatching(/newer/) }));
  });

  it('reports a file that is not a database', () => {
    const file = join(tempDir(), 'visage.db');
    writeFileSync(file, Buffer.alloc(8192, 7));
    expect(() => openDatabase(file)).toThrow(
      expect.objectContaining({ code: 'VSG_STORAGE_FAILED', message: expect.stringMatching(/not a SQLite database/) }),
    );
  });

  it('reports a corrupt database on use and in the integrity check', async () => {
    const dir = tempDir();
    const store = openTestStore(dir);
    const userId = store.users.resolve('web', 'someone-1234567890');
    const crop = await makeCropPng();
    for (let i = 1; i <= 40; i += 1) store.flags.add(sampleFlag(userId, crop, { faceNumber: i }));
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const file = join(dir, 'visage.db');
    const bytes = readFileSync(file);
    bytes.fill(0xab, 4096, bytes.length - 4096);
    writeFileSync(file, bytes);

    const broken = openStore({ file, salt: SALT });
    expect(() => broken.flags.list()).toThrow(expect.objectContaining({ code: 'VSG_STORAGE_FAILED', message: expect.stringMatching(/corrupt/) }));
    let check: string[] = [];
    try {
      check = broken.integrityCheck();
    } catch (error) {
      expect(error).toMatchObject({ code: 'VSG_STORAGE_FAILED' });
      check = ['failed'];
    }
    expect(check).not.toEqual(['ok']);
    broken.close();
  });

  it('reports a missing data folder', () => {
    expect(() => openDatabase(join(tempDir(), 'missing', 'visage.db'))).toThrow(expect.objectContaining({ code: 'VSG_STORAGE_FAILED' }));
  });

  it('reports a write to a read-only store and keeps what was there', async () => {
    const dir = tempDir();
    const store = openTestStore(dir);
    const userId = store.users.resolve('web', 'someone-1234567890');
    store.flags.add(sampleFlag(userId, await makeCropPng()));
    store.close();
    const reader = openStore({ file: join(dir, 'visage.db'), salt: SALT, readonly: true });
    expect(() => reader.flags.add(sampleFlag(userId, Buffer.from([1]), { faceNumber: 2 }))).toThrow(
      expect.objectContaining({ code: 'VSG_STORAGE_FAILED', message: expect.stringMatching(/read-only/) }),
    );
    expect(reader.flags.list()).toHaveLength(1);
    reader.close();
  });

  it('reports a data folder the process may not write', async () => {
    const dir = tempDir();
    openTestStore(dir).close();
    chmodSync(dir, 0o555);
    for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o444);
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const probe = spawnSync(
      process.execPath,
      ['--import', './test/store/helpers/ts-register.mjs', './test/store/helpers/readonly-probe.ts', dir],
      { encoding: 'utf8', ...asNobody },
    );
    chmodSync(dir, 0o755);
    const result = JSON.parse(probe.stdout.trim().split('\n').pop() ?? '{}') as { code?: string; message?: string; written?: boolean };
    expect(result.written).toBeUndefined();
    expect(result.code).toBe('VSG_STORAGE_FAILED');
  });

  it('reports a full disk, keeps earlier flags and stores nothing half-way', async () => {
    const store = openTestStore(tempDir());
    const userId = store.users.resolve('web', 'someone-1234567890');
    const crop = await makeCropPng();
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    // max_page_count makes SQLite answer SQLITE_FULL exactly as a full disk does.
    store.db.pragma(`max_page_count = ${pages + 8}`);
    const stored: number[] = [];
    let failure: unknown;
    for (let i = 1; i <= 200 && failure === undefined; i += 1) {
      try {
        stored.push(store.flags.add(sampleFlag(userId, crop, { faceNumber: i })).id);
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toMatchObject({ code: 'VSG_STORAGE_FAILED', message: expect.stringMatching(/disk is full/) });
    expect(stored.length).toBeGreaterThan(0);
    expect(store.flags.list().map((f) => f.id)).toEqual(stored);
    expect(store.integrityCheck()).toEqual(['ok']);
    store.close();
  });

  it('reports a database locked by another writer', async () => {
    const dir = tempDir();
    const store = openStore({ file: join(dir, 'visage.db'), salt: SALT, busyTimeoutMs: 50 });
    const userId = store.users.resolve('web', 'someone-1234567890');
    const other = new Database(join(dir, 'visage.db'));
    other.exec('BEGIN IMMEDIATE');
    expect(() => store.flags.add(sampleFlag(userId, Buffer.from([1])))).toThrow(
      expect.objectContaining({ code: 'VSG_STORAGE_FAILED', message: expect.stringMatching(/locked/) }),
    );
    other.exec('ROLLBACK');
    other.close();
    expect(store.flags.add(sampleFlag(userId, Buffer.from([1]))).created).toBe(true);
    store.close();
  });
});
