// A practice photo folder (<dir>/<emotion>/*.jpg) made of links to the shared single-face photos, whose file names
// carry their label (single-<emotion>-...). Nothing is copied into the repository.
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMOTIONS, type Emotion } from '../../../../src/pipeline/types.js';
import { sharedDir } from '../../../services/support/worker-support.js';

export function makePracticePhotoFolder(): { dir: string; counts: Partial<Record<Emotion, number>> } {
  const dir = mkdtempSync(join(tmpdir(), 'visage-practice-'));
  const photos = join(sharedDir(), 'photos');
  const counts: Partial<Record<Emotion, number>> = {};
  for (const name of readdirSync(photos)) {
    const emotion = /^single-([a-z]+)-/.exec(name)?.[1] as Emotion | undefined;
    if (emotion === undefined || !EMOTIONS.includes(emotion)) continue;
    mkdirSync(join(dir, emotion), { recursive: true });
    symlinkSync(join(photos, name), join(dir, emotion, name));
    counts[emotion] = (counts[emotion] ?? 0) + 1;
  }
  return { dir, counts };
}
