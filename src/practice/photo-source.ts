// Practice faces from the operator's own labelled photos: <dir>/<emotion>/<name>.jpg (or .jpeg, .png, .webp), one
// face per photo, the folder name being one of the seven emotions. Any other folder is refused, so a typo such as
// "suprise" is reported instead of silently leaving faces out.
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { VisageError } from '../errors.js';
import { EMOTIONS, type Emotion } from '../pipeline/types.js';
import { shrinkPhoto, type PracticeItem, type PracticeSource } from './items.js';

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

interface PhotoEntry {
  emotion: Emotion;
  path: string;
}

async function listFolder(dir: string): Promise<Array<{ name: string; folder: boolean }>> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, folder: e.isDirectory() }));
  } catch (error) {
    throw new VisageError('VSG_INPUT_NOT_FOUND', `The practice photo folder ${dir} does not exist or cannot be read.`, { cause: error });
  }
}

async function scanPhotos(dir: string): Promise<Map<string, PhotoEntry>> {
  const photos = new Map<string, PhotoEntry>();
  const folders = (await listFolder(dir)).filter((e) => e.folder && !e.name.startsWith('.')).map((e) => e.name).sort();
  for (const folder of folders) {
    if (!EMOTIONS.includes(folder as Emotion)) {
      throw new VisageError(
        'VSG_DATA_INVALID',
        `The practice photo folder ${dir} has a folder "${folder}"; each folder must be named after an emotion: ${EMOTIONS.join(', ')}.`,
      );
    }
    const files = (await listFolder(join(dir, folder)))
      .filter((e) => !e.folder && PHOTO_EXTENSIONS.has(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    // Ids are numbers, not file names: a name such as "happy-girl.jpg" would give the answer away.
    for (const file of files) photos.set(`photo:${photos.size + 1}`, { emotion: folder as Emotion, path: join(dir, folder, file) });
  }
  return photos;
}

/** Scans the folder once, on the first call to items() or image(). */
export function createPhotoSource(dir: string): PracticeSource {
  let scanning: Promise<Map<string, PhotoEntry>> | undefined;
  const photos = (): Promise<Map<string, PhotoEntry>> => (scanning ??= scanPhotos(dir));
  return {
    name: `photos (${dir})`,
    async items() {
      return [...(await photos())].map(([id, photo]): PracticeItem => ({ id, emotion: photo.emotion }));
    },
    async image(id) {
      const photo = (await photos()).get(id);
      return photo === undefined ? undefined : shrinkPhoto(photo.path);
    },
  };
}
