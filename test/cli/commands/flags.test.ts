import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { flagsCommand, splitDecisions } from '../../../src/cli/commands/flags.js';
import { EMOTIONS } from '../../../src/pipeline/types.js';
import { openDataStore } from '../../../src/store/store.js';
import { makeCropPng, sampleFlag, useTempDirs } from '../../store/helpers/store-fixtures.js';
import { testIo } from './cli-io.js';

const tempDir = useTempDirs();

async function seeded(count: number): Promise<{ dataDir: string; env: NodeJS.ProcessEnv; ids: number[] }> {
  const dataDir = tempDir();
  const store = openDataStore(dataDir);
  const userId = store.users.resolve('web', 'browser-1234567890');
  const labels = ['sad', 'fear', 'angry', 'surprise'] as const;
  const ids: number[] = [];
  for (let face = 1; face <= count; face += 1) {
    const label = labels[face % labels.length] ?? 'sad';
    ids.push(store.flags.add(sampleFlag(userId, await makeCropPng(face * 40), { faceNumber: face, label })).id);
  }
  store.close();
  return { dataDir, env: { VISAGE_DATA_DIR: dataDir }, ids };
}

describe('visage flags', () => {
  it('parses --accept/--reject id lists', () => {
    expect(splitDecisions(['--accept', '1', '2', '--reject=3,4', '--data-dir', 'x', '--accept', '5'])).toEqual({
      decisions: [
        { id: 1, decision: 'accept' }, { id: 2, decision: 'accept' }, { id: 3, decision: 'reject' },
        { id: 4, decision: 'reject' }, { id: 5, decision: 'accept' },
      ],
      rest: ['--data-dir', 'x'],
    });
    expect(() => splitDecisions(['--accept', 'x1'])).toThrow(expect.objectContaining({ code: 'VSG_OPTION_INVALID' }));
  });

  it('reviews non-interactively and lists by status', async () => {
    const { dataDir, env, ids } = await seeded(3);
    const io = testIo(dataDir, env);
    expect(await flagsCommand.run(['review', '--accept', String(ids[0]), String(ids[2]), '--reject', String(ids[1])], io)).toBe(0);
    expect(io.out()).toBe(`#${ids[0]} accepted.\n#${ids[2]} accepted.\n#${ids[1]} rejected.\n`);
    const list = testIo(dataDir, env);
    await flagsCommand.run(['list', '--status', 'accepted'], list);
    expect(list.out()).toMatch(/Visage said happy \(70%\), the user says/);
    expect(list.out()).toMatch(/0 pending, 2 accepted, 1 rejected\./);
    await expect(flagsCommand.run(['review', '--accept', '999'], testIo(dataDir, env))).rejects.toMatchObject({ code: 'VSG_NOT_FOUND' });
  });

  it('reviews on a terminal with y/n/s and writes the faces to look at', async () => {
    const { dataDir, env, ids } = await seeded(3);
    const io = testIo(dataDir, env, { isTTY: true, answers: 'y\nmaybe\nn\ns\n' });
    expect(await flagsCommand.run(['review', '--crops', 'faces'], io)).toBe(0);
    expect(io.out()).toMatch(/Accepted 1, rejected 1, skipped 1\./);
    expect(readdirSync(join(dataDir, 'faces')).sort()).toEqual(ids.map((id) => `flag-${id}.png`).sort());
    const store = openDataStore(dataDir);
    expect(ids.map((id) => store.flags.get(id)?.status)).toEqual(['accepted', 'rejected', 'pending']);
    store.close();
    await expect(flagsCommand.run(['review'], testIo(dataDir, env))).rejects.toMatchObject({ code: 'VSG_OPTION_INVALID' });
  });

  it('exports accepted flags as 48x48 grey faces in FER2013 CSV layout plus the same PNGs', async () => {
    const { dataDir, env, ids } = await seeded(4);
    await flagsCommand.run(['review', '--accept', String(ids[0]), String(ids[1]), String(ids[3]), '--reject', String(ids[2])], testIo(dataDir, env));
    const io = testIo(dataDir, env);
    expect(await flagsCommand.run(['export', '--out', 'extra'], io)).toBe(0);
    expect(io.out()).toMatch(/Wrote 3 accepted flag\(s\)/);

    const dir = join(dataDir, 'extra');
    const lines = readFileSync(join(dir, 'fer2013.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('emotion,pixels,Usage');
    expect(lines).toHaveLength(4);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { flags: Array<{ id: number; label: string; image: string }> };
    expect(manifest.flags.map((f) => f.id)).toEqual([ids[0], ids[1], ids[3]]);
    for (const [i, line] of lines.slice(1).entries()) {
      const [emotion, pixels, usage] = line.split(',');
      const entry = manifest.flags[i];
      expect(Number(emotion)).toBe(EMOTIONS.indexOf(entry?.label as (typeof EMOTIONS)[number]));
      expect(usage).toBe('Training');
      const values = (pixels ?? '').split(' ').map(Number);
      expect(values).toHaveLength(2304);
      expect(values.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
      const file = join(dir, entry?.image ?? '');
      expect(await sharp(file).metadata()).toMatchObject({ width: 48, height: 48, channels: 1, format: 'png' });
      const png = await sharp(file).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      expect(Array.from(png.data)).toEqual(values);
    }
    expect(readdirSync(join(dir, 'images'))).toHaveLength(3);

    // A new export replaces the old one whole: a face rejected since then is gone.
    await flagsCommand.run(['review', '--reject', String(ids[0])], testIo(dataDir, env));
    await flagsCommand.run(['export', '--out', 'extra'], testIo(dataDir, env));
    expect(readdirSync(join(dir, 'images'))).toHaveLength(2);
    expect(readdirSync(dataDir).filter((f) => f.includes('partial'))).toEqual([]);
    expect(existsSync(join(dir, 'images', `flag-${ids[0]}-sad.png`))).toBe(false);

    await expect(flagsCommand.run(['export', '--out', '.'], testIo(dataDir, env))).rejects.toMatchObject({ code: 'VSG_OPTION_INVALID' });
  });
});
