// Shared test helpers: a fresh temp folder per test, a fixed clock, a small face crop and a valid flag.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach } from 'vitest';
import { EMOTIONS, type Emotion, type EmotionScores } from '../../../src/pipeline/types.js';
import type { NewFlag } from '../../../src/store/flags.js';
import { openStore, type Store } from '../../../src/store/store.js';

export const SALT = 'test-salt-0123456789abcdef';

/** Registers cleanup with the calling test file. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'visage-store-'));
    dirs.push(dir);
    return dir;
  };
}

export interface Clock {
  now: () => number;
  advance(ms: number): void;
}

export function fixedClock(start = Date.UTC(2025, 0, 15, 12)): Clock {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

export function openTestStore(dir: string, clock: Clock = fixedClock()): Store {
  return openStore({ file: join(dir, 'visage.db'), salt: SALT, now: clock.now });
}

export function scoresFor(top: Emotion): EmotionScores {
  return Object.fromEntries(EMOTIONS.map((e) => [e, e === top ? 0.7 : 0.05])) as EmotionScores;
}

/** A 96x96 RGB PNG with a gradient (the shape of the crops analyzeImage returns). */
export async function makeCropPng(seed = 0): Promise<Buffer> {
  const size = 96;
  const data = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i += 1) {
    data[i * 3] = (i + seed) % 256;
    data[i * 3 + 1] = (i >> 4) % 256;
    data[i * 3 + 2] = seed % 256;
  }
  return sharp(data, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

export function sampleFlag(userId: string, crop: Buffer, overrides: Partial<NewFlag> = {}): NewFlag {
  return {
    userId,
    channel: 'web',
    analysisId: 'analysis-1',
    faceNumber: 1,
    predicted: 'happy',
    scores: scoresFor('happy'),
    label: 'sad',
    cropPng: crop,
    ...overrides,
  };
}
