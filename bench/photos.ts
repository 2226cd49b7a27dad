// The benchmark photos: the group photos of the shared set, re-encoded at 640 and 1920 px wide so that every
// contender reads the very same bytes.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';

export const GROUP_PHOTOS = [
  'multi-7faces-small-elvis-shop-dlib-voc-2008_004176.jpg',
  'multi-6faces-small-restaurant-dlib-voc-2008_002470.jpg',
  'multi-3faces-grimace-glasses-dlib-voc-2008_002506.jpg',
  'multi-5faces-1cropped-meeting-downcast-glasses-pexels-max-group.jpeg',
  'multi-6faces-selfie-glasses-face_classification-test_image.jpg',
  'multi-3faces-turned-profile-faceapi-bbt2.jpg',
  'multi-5faces-happy-sunglasses-pyfeat-multi_face.jpg',
];

export const WIDTHS = [640, 1920] as const;

export interface BenchPhoto {
  name: string;
  width: number;
  path: string;
}

export function photosDir(): string {
  return join(process.env.VISAGE_SHARED_DIR ?? join(process.cwd(), '..', 'shared'), 'photos');
}

export async function preparePhotos(): Promise<BenchPhoto[]> {
  const dir = join(tmpdir(), `visage-bench-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const photos: BenchPhoto[] = [];
  for (const width of WIDTHS) {
    for (const name of GROUP_PHOTOS) {
      const path = join(dir, `${width}-${name.replace(/\.\w+$/, '.jpg')}`);
      await writeFile(path, await sharp(join(photosDir(), name)).resize({ width }).jpeg({ quality: 92 }).toBuffer());
      photos.push({ name, width, path });
    }
  }
  return photos;
}

export interface Portrait {
  name: string;
  path: string;
  /** The emotion the photo README gives the face (from the file name: single-<emotion>-...). */
  expected: string;
}

/** The labelled single-face photos, read as they are (each contender decodes the original file). */
export async function portraits(): Promise<Portrait[]> {
  const names = (await readdir(photosDir())).filter((n) => /^single-[a-z]+-/.test(n)).sort();
  return names.map((name) => ({ name, path: join(photosDir(), name), expected: name.split('-')[1] ?? '' }));
}
