import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { annotationSvg, EMOTION_COLOURS, renderAnnotated } from '../../src/pipeline/render.js';
import type { RgbImage } from '../../src/pipeline/types.js';

function plain(value: number, width = 400, height = 300): RgbImage {
  return { data: new Uint8Array(width * height * 3).fill(value), width, height, channels: 3 };
}

async function pixel(png: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return Array.from(data.subarray(i, i + 3));
}

function hex(colour: string): number[] {
  return [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
}

describe('render', () => {
  const faces = [
    { number: 1, emotion: 'happy' as const, box: { x: 40, y: 100, width: 80, height: 80 } },
    { number: 2, emotion: 'sad' as const, box: { x: 250, y: 120, width: 60, height: 60 } },
  ];

  it.each([
    ['a light photo', 240],
    ['a dark photo', 15],
  ])('draws boxes in the emotion colour and a dark label plate on %s', async (_name, background) => {
    const png = await renderAnnotated(plain(background), faces, { format: 'png' });
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([400, 300, 'png']);
    // The middle of the left box edge carries the emotion colour.
    const edge = await pixel(png, 40, 140);
    hex(EMOTION_COLOURS.happy).forEach((v, i) => expect(Math.abs((edge[i] ?? 0) - v)).toBeLessThan(40));
    // The plate above the first box is dark whatever the photo's brightness, so white text reads on it.
    const plate = await pixel(png, 50 + 40, 100 - 8);
    expect(Math.max(...plate)).toBeLessThan(90);
  });

  it('writes the number and the emotion word as text, so colour is not the only cue', () => {
    const svg = annotationSvg(400, 300, faces);
    expect(svg).toContain('>1 happy<');
    expect(svg).toContain('>2 sad<');
  });

  it('keeps labels inside the image for a face at the top edge and encodes JPEG', async () => {
    const jpeg = await renderAnnotated(plain(128, 200, 200), [{ number: 1, emotion: 'angry', box: { x: 150, y: 0, width: 50, height: 50 } }], { format: 'jpeg' });
    expect((await sharp(jpeg).metadata()).format).toBe('jpeg');
    const svg = annotationSvg(200, 200, [{ number: 1, emotion: 'angry', box: { x: 150, y: 0, width: 50, height: 50 } }]);
    const plateX = Number(/<rect x="([\d.]+)" y="([\d.]+)" width="(\d+)" height="\d+" rx/.exec(svg)?.[1]);
    const plateW = Number(/<rect x="[\d.]+" y="[\d.]+" width="(\d+)" height="\d+" rx/.exec(svg)?.[1]);
    expect(plateX + plateW).toBeLessThanOrEqual(200);
  });

  it('rejects an unknown format', async () => {
    await expect(renderAnnotated(plain(0), [], { format: 'gif' as 'png' })).rejects.toMatchObject({ code: 'VSG_OPTION_INVALID' });
  });
});
