// Stage 1: bytes -> upright RGB pixels. The format is sniffed from the bytes (never from a name or header), the
// pixel count is checked before any pixel is decoded (decompression bombs), and big photos are scaled down to a
// working size so that memory stays bounded; boxes are mapped back to source pixels by the caller.
import sharp, { type Metadata } from 'sharp';
import { VisageError, invalidOption } from '../errors.js';
import type { RgbImage } from './types.js';

export interface DecodeOptions {
  /** Largest accepted width*height of the source image. */
  maxPixels: number;
  /** Longest side of the working image; larger photos are scaled down. */
  maxWorkingSide: number;
  /** Smallest accepted width or height. */
  minSide: number;
}

export const DECODE_DEFAULTS: Readonly<DecodeOptions> = Object.freeze({
  maxPixels: 40_000_000,
  maxWorkingSide: 2048,
  minSide: 16,
});

export interface DecodedImage {
  /** Upright working image (EXIF orientation applied, alpha flattened on white, first frame only). */
  image: RgbImage;
  /** Size of the upright source image. */
  width: number;
  height: number;
  /** source pixels per working pixel (>= 1). */
  scale: number;
  format: string;
}

const SIGNATURES: ReadonlyArray<{ format: string; test: (b: Uint8Array) => boolean }> = [
  { format: 'jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { format: 'png', test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { format: 'gif', test: (b) => startsWith(b, [0x47, 0x49, 0x46, 0x38]) },
  { format: 'webp', test: (b) => startsWith(b, [0x52, 0x49, 0x46, 0x46]) && ascii(b, 8, 4) === 'WEBP' },
  { format: 'tiff', test: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]) },
  { format: 'heif', test: (b) => ascii(b, 4, 4) === 'ftyp' && /^(avif|avis|heic|heix|mif1|msf1)$/.test(ascii(b, 8, 4)) },
];

function startsWith(b: Uint8Array, sig: number[]): boolean {
  return b.length >= sig.length && sig.every((v, i) => b[i] === v);
}

function ascii(b: Uint8Array, start: number, length: number): string {
  return b.length >= start + length ? String.fromCharCode(...b.subarray(start, start + length)) : '';
}

/** The image format named by the file's magic bytes, or undefined when it is not an image Visage reads. */
export function sniffImageFormat(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find((s) => s.test(bytes))?.format;
}

export function checkDecodeOptions(options: Partial<DecodeOptions> = {}): DecodeOptions {
  const merged = { ...DECODE_DEFAULTS, ...options };
  for (const key of ['maxPixels', 'maxWorkingSide', 'minSide'] as const) {
    const value = merged[key];
    if (!Number.isInteger(value) || value < 1) throw invalidOption(key, 'a positive integer', value);
  }
  return merged;
}

export async function decodeImage(bytes: Uint8Array, options: Partial<DecodeOptions> = {}): Promise<DecodedImage> {
  const opts = checkDecodeOptions(options);
  if (bytes.length === 0) throw new VisageError('VSG_IMAGE_EMPTY', 'The image is empty (0 bytes).');
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new VisageError('VSG_IMAGE_UNSUPPORTED', 'These bytes are not an image Visage reads (JPEG, PNG, WebP, GIF, AVIF/HEIF or TIFF).');
  }

  // limitInputPixels makes libvips refuse a bomb from its header alone; failOn 'truncated' turns a cut-off file
  // into an error instead of a grey half-image.
  const source = () => sharp(bytes, { limitInputPixels: opts.maxPixels, failOn: 'truncated', pages: 1, page: 0 });
  let meta: Metadata;
  try {
    meta = await source().metadata();
  } catch (error) {
    throw undecodable(format, error);
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const width = (rotated ? meta.height : meta.width) ?? 0;
  const height = (rotated ? meta.width : meta.height) ?? 0;
  if (width * height > opts.maxPixels) {
    throw new VisageError('VSG_IMAGE_TOO_LARGE', `The image is ${width}x${height} pixels; the limit is ${opts.maxPixels} pixels.`);
  }
  if (width < opts.minSide || height < opts.minSide) {
    throw new VisageError('VSG_IMAGE_TOO_SMALL', `The image is ${width}x${height} pixels; a face needs at least ${opts.minSide}x${opts.minSide}.`);
  }

  const scale = Math.max(1, Math.max(width, height) / opts.maxWorkingSide);
  const workWidth = Math.max(1, Math.round(width / scale));
  const workHeight = Math.max(1, Math.round(height / scale));
  try {
    let pipeline = source().rotate().flatten({ background: '#ffffff' }).toColourspace('srgb');
    if (scale > 1) pipeline = pipeline.resize(workWidth, workHeight, { fit: 'fill', kernel: 'lanczos3' });
    const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decode produced ${info.channels} channels, expected 3`);
    return {
      image: { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 },
      width,
      height,
      scale: width / info.width,
      format,
    };
  } catch (error) {
    throw undecodable(format, error);
  }
}

function undecodable(format: string, error: unknown): VisageError {
  const detail = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  if (/pixel limit/i.test(detail)) {
    return new VisageError('VSG_IMAGE_TOO_LARGE', `The image has more pixels than the limit allows (${detail}).`, { cause: error });
  }
  return new VisageError('VSG_IMAGE_UNDECODABLE', `The ${format.toUpperCase()} image is damaged or truncated and cannot be decoded (${detail}).`, {
    cause: error,
  });
}
