import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMOTIONS } from '../../src/pipeline/types.js';
import { FER_CSV, REPO_DIR } from '../helpers/paths.js';
import { runCli } from './run-cli.js';

describe('visage eval', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'visage-eval-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reproduces the training pipeline PrivateTest accuracy of the committed model within 0.1 point', async () => {
    const sidecar = JSON.parse(await readFile(join(REPO_DIR, 'assets/models/emotion.json'), 'utf8'));
    const plot = join(dir, 'confusion.png');
    const run = await runCli(['eval', '--data', FER_CSV, '--split', 'PrivateTest', '--json', '--plot', plot]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.split).toBe('PrivateTest');
    expect(result.n).toBe(3589);
    expect(Math.abs(result.accuracy - sidecar.metrics.privateTest.accuracy)).toBeLessThanOrEqual(0.001);
    expect(Object.keys(result.perClass)).toEqual([...EMOTIONS]);
    expect(result.confusion.map((row: number[]) => row.reduce((a, b) => a + b, 0))).toEqual([491, 55, 528, 879, 594, 416, 626]);
    expect((await sharp(plot).metadata()).format).toBe('png');
  });

  it('rejects a file that is not FER2013 and a bad split', async () => {
    const notCsv = await runCli(['eval', '--data', join(REPO_DIR, 'README.md')]);
    expect(notCsv.stderr).toMatch(/VSG_DATA_INVALID/);
    const split = await runCli(['eval', '--data', FER_CSV, '--split', 'Everything']);
    expect(split.code).toBe(64);
    const missing = await runCli(['eval']);
    expect(missing.stderr).toMatch(/--data/);
  });
});
