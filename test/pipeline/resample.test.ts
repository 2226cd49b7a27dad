import { describe, expect, it } from 'vitest';
import { resampleInto, type SampleGrid } from '../../src/pipeline/resample.js';
import type { RgbImage } from '../../src/pipeline/types.js';

/** A 64x48 image with smooth and sharp structure in every channel (deterministic). */
function pattern(): RgbImage {
  const width = 64;
  const height = 48;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 4) & 255;
      data[i + 1] = (y * 5 + (x % 7) * 20) & 255;
      data[i + 2] = (x + y) % 2 === 0 ? 250 : 10;
    }
  }
  return { data, width, height, channels: 3 };
}

function sample(image: RgbImage, grid: SampleGrid, channels: 1 | 3): Uint8Array {
  const out = new Uint8Array(grid.width * grid.height * channels);
  resampleInto(image, grid, out, channels);
  return out;
}

describe('resample', () => {
  it('reproduces the image exactly at one output pixel per image pixel', () => {
    const image = pattern();
    const grid = { centerX: 32, centerY: 24, angle: 0, width: 64, height: 48, stepX: 1, stepY: 1 };
    expect(Array.from(sample(image, grid, 3))).toEqual(Array.from(image.data));
  });

  it('gives the same pixels on the upright fast path as on the rotated path at a full turn', () => {
    const image = pattern();
    // Shrinking (k x k sub-samples), enlarging, uneven steps, and a window hanging over the edge.
    const grids: SampleGrid[] = [
      { centerX: 30, centerY: 20, angle: 0, width: 9, height: 7, stepX: 5.3, stepY: 5.3 },
      { centerX: 12.7, centerY: 30.2, angle: 0, width: 40, height: 40, stepX: 0.31, stepY: 0.29 },
      { centerX: 60, centerY: 2, angle: 0, width: 16, height: 16, stepX: 1.6, stepY: 1.6 },
    ];
    for (const grid of grids) {
      for (const channels of [1, 3] as const) {
        const upright = sample(image, grid, channels);
        const turned = sample(image, { ...grid, angle: 2 * Math.PI }, channels);
        const worst = upright.reduce((max, v, i) => Math.max(max, Math.abs(v - (turned[i] ?? 0))), 0);
        expect(worst, JSON.stringify({ grid, channels })).toBeLessThanOrEqual(1);
      }
    }
  });

  it('writes rows at the given stride and leaves the rest of the canvas alone', () => {
    const image = pattern();
    const canvas = new Uint8Array(8 * 8 * 3).fill(128);
    resampleInto(image, { centerX: 3, centerY: 2, angle: 0, width: 6, height: 4, stepX: 1, stepY: 1 }, canvas, 3, 8 * 3);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const got = Array.from(canvas.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3));
        const want = x < 6 && y < 4 ? Array.from(image.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)) : [128, 128, 128];
        expect(got).toEqual(want);
      }
    }
  });

  it('refuses an empty or fractional output size', () => {
    const grid = { centerX: 1, centerY: 1, angle: 0, width: 0, height: 4, stepX: 1, stepY: 1 };
    expect(() => resampleInto(pattern(), grid, new Uint8Array(0), 3)).toThrow(/positive integers/);
    expect(() => resampleInto(pattern(), { ...grid, width: 2.5 }, new Uint8Array(30), 3)).toThrow(/positive integers/);
  });
});
