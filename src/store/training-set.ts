// Accepted flags as a training set the training pipeline reads with `--extra <dir>`: <dir>/fer2013.csv in FER2013's
// layout (emotion index, 2304 space-separated grey values of a 48x48 face, Usage) plus the same faces as PNGs in
// <dir>/images/ and a manifest.json. The CSV and the PNGs hold the very same pixels.
//
// The set is built in a sibling folder and swapped in whole, so a reader never sees half a set, and a face whose
// flag was deleted does not linger from an earlier export.

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { VisageError } from '../errors.js';
import { EMOTIONS, type Emotion } from '../pipeline/types.js';
import type { FlagRecord } from './flags.js';

export const FER_SIZE = 48;
export const FER_CSV_HEADER = 'emotion,pixels,Usage';
const FORMAT = 'visage-flags-training-set';

export interface TrainingSetResult {
  dir: string;
  count: number;
  byEmotion: Record<Emotion, number>;
}

/** A face crop (any size, colour or grey PNG) as 48x48 8-bit grey pixels, the way FER2013 stores faces. */
export async function toFerPixels(cropPng: Uint8Array): Promise<Buffer> {
  const { data, info } = await sharp(cropPng)
    .resize(FER_SIZE, FER_SIZE, { fit: 'fill' })
    .greyscale()
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || data.length !== FER_SIZE * FER_SIZE) {
    throw new Error(`Expected ${FER_SIZE}x${FER_SIZE} grey pixels, got ${info.width}x${info.height}x${info.channels}.`);
  }
  return data;
}

function checkTarget(dir: string): void {
  if (!existsSync(dir)) return;
  const manifest = join(dir, 'manifest.json');
  const ours = existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { format?: string }).format === FORMAT;
  if (!ours) {
    throw new VisageError('VSG_OPTION_INVALID', `${dir} exists and is not an earlier flags export; choose a new or empty folder.`);
  }
}

export async function writeTrainingSet(flags: Iterable<FlagRecord>, dir: string, nowMs: number): Promise<TrainingSetResult> {
  checkTarget(dir);
  const temp = `${dir}.partial-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  const byEmotion = Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>;
  const rows: string[] = [FER_CSV_HEADER];
  const entries: Array<Record<string, unknown>> = [];
  try {
    mkdirSync(join(temp, 'images'), { recursive: true });
    for (const flag of flags) {
      const pixels = await toFerPixels(flag.cropPng);
      const image = `images/flag-${flag.id}-${flag.label}.png`;
      await sharp(pixels, { raw: { width: FER_SIZE, height: FER_SIZE, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toFile(join(temp, image));
      rows.push(`${EMOTIONS.indexOf(flag.label)},${Array.from(pixels).join(' ')},Training`);
      entries.push({ id: flag.id, label: flag.label, predicted: flag.predicted, channel: flag.channel, image, flaggedAt: new Date(flag.createdAt).toISOString() });
      byEmotion[flag.label] += 1;
    }
    writeFileSync(join(temp, 'fer2013.csv'), `${rows.join('\n')}\n`);
    const manifest = { format: FORMAT, exportedAt: new Date(nowMs).toISOString(), count: entries.length, labels: EMOTIONS, byEmotion, flags: entries };
    writeFileSync(join(temp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(temp, dir);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    if (error instanceof VisageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string') {
      throw new VisageError('VSG_STORAGE_FAILED', `Could not write the training set to ${dir}: ${String(error)}.`, { cause: error });
    }
    throw error;
  }
  return { dir, count: entries.length, byEmotion };
}
