import { describe, expect, it } from 'vitest';
import { cropFaces, faceSquare, sampleSquare } from '../../src/pipeline/crop.js';
import type { RgbImage } from '../../src/pipeline/types.js';

/** A 100x100 image: left half black, right half white. */
function halves(): RgbImage {
  const data = new Uint8Array(100 * 100 * 3);
  for (let y = 0; y < 100; y++) for (let x = 50; x < 100; x++) data.fill(255, (y * 100 + x) * 3, (y * 100 + x) * 3 + 3);
  return { data, width: 100, height: 100, channels: 3 };
}

describe('crop', () => {
  it('frames the square from the box by the sidecar scale and shift', () => {
    const square = faceSquare({ box: { x: 10, y: 20, width: 40, height: 50 }, score: 1 }, { scale: 1.2, offsetY: 0.1 });
    expect(square.side).toBeCloseTo(60);
    expect(square.center.x).toBeCloseTo(30);
    expect(square.center.y).toBeCloseTo(50);
    expect(square.angle).toBe(0);
  });

  it('levels the eyes: the angle follows the line between them', () => {
    const square = faceSquare({ box: { x: 0, y: 0, width: 10, height: 10 }, score: 1, eyes: { right: { x: 0, y: 0 }, left: { x: 10, y: 10 } } }, { scale: 1, offsetY: 0 });
    expect(square.angle).toBeCloseTo(Math.PI / 4);
  });

  it('resamples gray and colour crops and repeats edges outside the photo', () => {
    const image = halves();
    const gray = sampleSquare(image, { center: { x: 50, y: 50 }, side: 100, angle: 0 }, 10, 1);
    expect(gray[0]).toBe(0);
    expect(gray[9]).toBe(255);
    const outside = sampleSquare(image, { center: { x: 150, y: 50 }, side: 20, angle: 0 }, 4, 3);
    expect(Array.from(outside.subarray(0, 3))).toEqual([255, 255, 255]);
    // Rotating by 180 degrees mirrors the halves.
    const turned = sampleSquare(image, { center: { x: 50, y: 50 }, side: 100, angle: Math.PI }, 10, 1);
    expect(turned[0]).toBe(255);
    expect(turned[9]).toBe(0);
  });

  it('crops every face to the model size and rejects bad framing', () => {
    const crops = cropFaces(halves(), [{ box: { x: 10, y: 10, width: 30, height: 30 }, score: 1 }], { scale: 1.25, offsetY: 0 }, 48, 1);
    expect(crops).toHaveLength(1);
    expect(crops[0]?.pixels).toHaveLength(48 * 48);
    expect(() => cropFaces(halves(), [], { scale: 0, offsetY: 0 }, 48, 1)).toThrow(/crop.scale/);
  });
});
