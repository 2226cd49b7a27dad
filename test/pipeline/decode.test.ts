import { readFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, sniffImageFormat } from '../../src/pipeline/decode.js';
import { photo } from '../helpers/paths.js';

const GROUP = photo('multi-5faces-happy-sunglasses-pyfeat-multi_face.jpg');

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A well-formed PNG whose header claims width x height but whose pixel data is a few zero bytes. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(1000))), pngChunk('IEND', Buffer.alloc(0))]);
}

describe('decodeImage', () => {
  it('decodes a JPEG photo to upright RGB', async () => {
    const decoded = await decodeImage(await readFile(GROUP));
    const meta = await sharp(GROUP).metadata();
    expect(decoded.format).toBe('jpeg');
    expect([decoded.width, decoded.height]).toEqual([meta.width, meta.height]);
    expect(decoded.image.data.length).toBe(decoded.image.width * decoded.image.height * 3);
  });

  it('applies EXIF orientation (6 = rotate 90° clockwise) so width and height swap', async () => {
    const rotated = await sharp(GROUP).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const meta = await sharp(GROUP).metadata();
    const decoded = await decodeImage(rotated);
    expect([decoded.width, decoded.height]).toEqual([meta.height, meta.width]);
  });

  it('flattens alpha on white and reads grayscale and CMYK inputs', async () => {
    const transparent = await sharp({ create: { width: 32, height: 32, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const flat = await decodeImage(transparent);
    expect(Array.from(flat.image.data.subarray(0, 3))).toEqual([255, 255, 255]);
    const gray = await sharp(GROUP).greyscale().png().toBuffer();
    expect((await decodeImage(gray)).image.channels).toBe(3);
    const cmyk = await sharp(GROUP).toColourspace('cmyk').jpeg().toBuffer();
    const fromCmyk = await decodeImage(cmyk);
    expect(fromCmyk.image.data.length).toBe(fromCmyk.image.width * fromCmyk.image.height * 3);
  });

  it('takes the first frame of an animated GIF', async () => {
    const frames = await sharp({ create: { width: 40, height: 80, channels: 3, background: '#ff0000' } })
      .composite([{ input: { create: { width: 40, height: 40, channels: 3, background: '#0000ff' } }, top: 40, left: 0 }])
      .gif()
      .toBuffer();
    const animated = await sharp(frames, { raw: undefined }).gif({ loop: 0 }).toBuffer();
    const decoded = await decodeImage(animated);
    expect(decoded.height).toBe(80);
  });

  it('scales a big photo down to the working size and reports the scale', async () => {
    const big = await sharp(GROUP).resize(3000).jpeg().toBuffer();
    const decoded = await decodeImage(big, { maxWorkingSide: 1000 });
    expect(decoded.width).toBe(3000);
    expect(decoded.image.width).toBe(1000);
    expect(decoded.scale).toBeCloseTo(3, 5);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), 'VSG_IMAGE_EMPTY'],
    ['a text file', Buffer.from('hello, this is not a photo\n'), 'VSG_IMAGE_UNSUPPORTED'],
    ['a PNG header claiming 30000x30000', pngClaiming(30000, 30000), 'VSG_IMAGE_TOO_LARGE'],
    ['a PNG whose pixel data is missing', pngClaiming(100, 100), 'VSG_IMAGE_UNDECODABLE'],
  ])('rejects %s with a clear error', async (_name, bytes, code) => {
    await expect(decodeImage(bytes)).rejects.toMatchObject({ code });
  });

  it('rejects a truncated JPEG and a 1-pixel image', async () => {
    const jpeg = await readFile(GROUP);
    await expect(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).rejects.toMatchObject({ code: 'VSG_IMAGE_UNDECODABLE' });
    const onePixel = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).png().toBuffer();
    await expect(decodeImage(onePixel)).rejects.toMatchObject({ code: 'VSG_IMAGE_TOO_SMALL' });
  });

  it('rejects bad options by name', async () => {
    await expect(decodeImage(Buffer.from('x'), { maxPixels: -1 })).rejects.toMatchObject({ code: 'VSG_OPTION_INVALID', message: expect.stringContaining('maxPixels') });
  });

  it('sniffs formats by their bytes', () => {
    expect(sniffImageFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImageFormat(Buffer.from('GIF89a'))).toBe('gif');
    expect(sniffImageFormat(Buffer.from('<svg></svg>'))).toBeUndefined();
  });
});
