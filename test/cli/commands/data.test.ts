import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataCommand } from '../../../src/cli/commands/data.js';
import { openDataStore, openStore } from '../../../src/store/store.js';
import { makeCropPng, sampleFlag, useTempDirs } from '../../store/helpers/store-fixtures.js';
import { testIo } from './cli-io.js';

const tempDir = useTempDirs();

async function seeded(): Promise<{ dataDir: string; env: NodeJS.ProcessEnv; alice: string }> {
  const dataDir = tempDir();
  const store = openDataStore(dataDir);
  const crop = await makeCropPng();
  const alice = store.users.resolve('messenger', 'psid-alice');
  const bob = store.users.resolve('web', 'bob-browser-id-000002');
  store.flags.add(sampleFlag(alice, crop, { channel: 'messenger' }));
  store.flags.add(sampleFlag(bob, crop));
  store.practice.start({ userId: alice, channel: 'messenger', itemId: 'fer2013:9', expected: 'fear' });
  store.close();
  return { dataDir, env: { VISAGE_DATA_DIR: dataDir }, alice };
}

describe('visage data', () => {
  it('exports everything as JSON, to stdout or an owner-only file, crops only on request', async () => {
    const { dataDir, env } = await seeded();
    const io = testIo(dataDir, env);
    expect(await dataCommand.run(['export'], io)).toBe(0);
    const plain = JSON.parse(io.out()) as { users: unknown[]; flags: Array<Record<string, unknown>>; cropsIncluded: boolean };
    expect(plain.users).toHaveLength(2);
    expect(plain.flags).toHaveLength(2);
    expect(plain.cropsIncluded).toBe(false);
    expect(io.out()).not.toContain('psid-alice');

    const file = join(dataDir, 'export.json');
    expect(await dataCommand.run(['export', '--out', 'export.json', '--with-crops'], testIo(dataDir, env))).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const full = JSON.parse(readFileSync(file, 'utf8')) as { flags: Array<{ cropPngBase64?: string }> };
    expect(full.flags[0]?.cropPngBase64).toMatch(/^iVBOR/);

    const one = testIo(dataDir, env);
    await dataCommand.run(['export', '--user', 'psid-alice'], one);
    expect((JSON.parse(one.out()) as { flags: unknown[] }).flags).toHaveLength(1);
  });

  it('deletes a user by raw id or hashed id and reports what went', async () => {
    const { dataDir, env, alice } = await seeded();
    const io = testIo(dataDir, env);
    expect(await dataCommand.run(['delete-user', 'psid-alice', '--channel', 'messenger'], io)).toBe(0);
    expect(io.out()).toMatch(/Deleted 1 user record\(s\), 1 flag\(s\) with their face crops and 1 practice round\(s\)/);
    const again = testIo(dataDir, env);
    await dataCommand.run(['delete-user', alice], again);
    expect(again.out()).toMatch(/nothing to delete/);
    const byHash = testIo(dataDir, env);
    const store = openDataStore(dataDir);
    const bob = store.users.hash('web', 'bob-browser-id-000002');
    store.close();
    await dataCommand.run(['delete-user', bob], byHash);
    expect(byHash.out()).toMatch(/Deleted 1 user record/);
  });

  it('backs up to a valid database and refuses to overwrite without --force', async () => {
    const { dataDir, env } = await seeded();
    const io = testIo(dataDir, env);
    expect(await dataCommand.run(['backup', 'copy.db'], io)).toBe(0);
    expect(io.out()).toMatch(/integrity ok/);
    const copy = openStore({ file: join(dataDir, 'copy.db'), salt: 'unused-salt-0123456789', readonly: true });
    expect(copy.integrityCheck()).toEqual(['ok']);
    expect(copy.flags.list()).toHaveLength(2);
    copy.close();
    await expect(dataCommand.run(['backup', 'copy.db'], testIo(dataDir, env))).rejects.toMatchObject({ code: 'VSG_OPTION_INVALID' });
    expect(await dataCommand.run(['backup', 'copy.db', '--force'], testIo(dataDir, env))).toBe(0);
  });

  it('purges with the configured or given retention, and checks integrity', async () => {
    const { dataDir, env } = await seeded();
    const io = testIo(dataDir, { ...env, VISAGE_RETENTION_DAYS: '30' });
    expect(await dataCommand.run(['purge'], io)).toBe(0);
    expect(io.out()).toMatch(/older than 30 days: 0 flag/);
    await expect(dataCommand.run(['purge', '--days', '0'], testIo(dataDir, env))).rejects.toMatchObject({ code: 'VSG_OPTION_INVALID' });
    const check = testIo(dataDir, env);
    expect(await dataCommand.run(['check'], check)).toBe(0);
    expect(check.out()).toBe('ok\n');
  });

  it('fails clearly on a missing database and unknown subcommands', async () => {
    const empty = tempDir();
    await expect(dataCommand.run(['export'], testIo(empty, { VISAGE_DATA_DIR: join(empty, 'nothing') }))).rejects.toMatchObject({ code: 'VSG_STORAGE_FAILED' });
    expect(existsSync(join(empty, 'nothing'))).toBe(false);
    await expect(dataCommand.run(['frobnicate'], testIo(empty, {}))).rejects.toMatchObject({ code: 'VSG_OPTION_INVALID' });
  });
});
