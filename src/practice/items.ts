// The practice pool's plain types and the one way every practice face is turned into an image for the page: a PNG
// (or JPEG for photos) small enough to send inline with the round, large enough to read on a phone.
import sharp, { type Sharp } from 'sharp';
import type { Emotion } from '../pipeline/types.js';

/** One face the player can be shown. The id says where it came from ("fer2013:1234", "photo:3", "flag:17"). */
export interface PracticeItem {
  readonly id: string;
  readonly emotion: Emotion;
}

export interface PracticeImage {
  readonly contentType: 'image/png' | 'image/jpeg';
  readonly data: Buffer;
}

/** Where practice faces come from. items() may load on first use; image() answers undefined for an unknown id. */
export interface PracticeSource {
  readonly name: string;
  items(): Promise<readonly PracticeItem[]>;
  image(id: string): Promise<PracticeImage | undefined>;
}

/** Small faces (FER2013 is 48x48, flag crops 96x96) are enlarged to this size so the page need not scale them. */
export const FACE_DISPLAY_PX = 192;
/** Photos are shrunk to fit this box; the page shows them at most this large. */
export const PHOTO_DISPLAY_PX = 384;

export async function enlargeFace(input: Sharp): Promise<PracticeImage> {
  const data = await input.resize(FACE_DISPLAY_PX, FACE_DISPLAY_PX, { fit: 'fill', kernel: 'lanczos3' }).png().toBuffer();
  return { contentType: 'image/png', data };
}

export async function shrinkPhoto(path: string): Promise<PracticeImage> {
  const data = await sharp(path)
    .rotate()
    .resize(PHOTO_DISPLAY_PX, PHOTO_DISPLAY_PX, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { contentType: 'image/jpeg', data };
}
