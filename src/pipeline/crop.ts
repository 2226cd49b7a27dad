// Stage 3: cut each face out the way the emotion model saw faces in training. FER2013 faces are loose square crops
// (forehead to chin); the model's sidecar says how a detector box maps to that square (scale, downward shift), and
// when the detector gives eye centres the square is rotated so the eyes are level.
import { invalidOption } from '../errors.js';
import type { Box, DetectedFace, FaceCrop, Point, RgbImage } from './types.js';

export interface CropFraming {
  /** Side of the square crop as a multiple of the box's longer side. */
  scale: number;
  /** Downward shift of the crop centre as a fraction of the box height. */
  offsetY: number;
}

export interface FaceSquare {
  center: Point;
  side: number;
  /** Rotation in radians that levels the eyes (0 when unknown). */
  angle: number;
}

export function checkFraming(framing: CropFraming): CropFraming {
  if (!(framing.scale > 0 && framing.scale <= 4)) throw invalidOption('crop.scale', 'a number in (0, 4]', framing.scale);
  if (!(Math.abs(framing.offsetY) <= 1)) throw invalidOption('crop.offsetY', 'a number in [-1, 1]', framing.offsetY);
  return framing;
}

/** The square (in image pixels) that the model should see for a detected face. */
export function faceSquare(face: DetectedFace, framing: CropFraming): FaceSquare {
  const { box } = face;
  const angle = face.eyes ? Math.atan2(face.eyes.left.y - face.eyes.right.y, face.eyes.left.x - face.eyes.right.x) : 0;
  return {
    center: { x: box.x + box.width / 2, y: box.y + box.height / 2 + framing.offsetY * box.height },
    side: framing.scale * Math.max(box.width, box.height),
    angle,
  };
}

/** Axis-aligned bounds of a crop square, for drawing or storing. */
export function squareBounds(square: FaceSquare): Box {
  return { x: square.center.x - square.side / 2, y: square.center.y - square.side / 2, width: square.side, height: square.side };
}

/**
 * Resamples a (possibly rotated) square of the image to size x size pixels. Each output pixel averages k x k
 * bilinear samples so that a large face shrunk to 48 px does not alias; pixels outside the photo repeat its edge,
 * as FER2013's own crops near borders do.
 */
export function sampleSquare(image: RgbImage, square: FaceSquare, size: number, channels: 1 | 3): Uint8Array {
  if (!Number.isInteger(size) || size < 1) throw invalidOption('size', 'a positive integer', size);
  const out = new Uint8Array(size * size * channels);
  const step = square.side / size;
  // A bilinear sample already averages a 2x2 neighbourhood, so on large faces samples 2 px apart cover every pixel:
  // k = step / 2 instead of k = step there (4x fewer samples on a 300-px face); small faces keep k = step.
  const k = step <= 2 ? Math.max(1, Math.ceil(step)) : Math.min(6, Math.ceil(step / 2));
  const cos = Math.cos(square.angle);
  const sin = Math.sin(square.angle);
  const acc = [0, 0, 0];
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sy = 0; sy < k; sy++) {
        const dy = (v + (sy + 0.5) / k) * step - square.side / 2;
        for (let sx = 0; sx < k; sx++) {
          const dx = (u + (sx + 0.5) / k) * step - square.side / 2;
          bilinear(image, square.center.x + dx * cos - dy * sin - 0.5, square.center.y + dx * sin + dy * cos - 0.5, acc);
        }
      }
      const n = k * k;
      const o = (v * size + u) * channels;
      if (channels === 1) {
        // ITU-R BT.601 luma, as the grayscale converters used to build FER2013-style data.
        out[o] = Math.round((0.299 * (acc[0] ?? 0) + 0.587 * (acc[1] ?? 0) + 0.114 * (acc[2] ?? 0)) / n);
      } else {
        out[o] = Math.round((acc[0] ?? 0) / n);
        out[o + 1] = Math.round((acc[1] ?? 0) / n);
        out[o + 2] = Math.round((acc[2] ?? 0) / n);
      }
    }
  }
  return out;
}

function bilinear(image: RgbImage, x: number, y: number, acc: number[]): void {
  const { width, height, data } = image;
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const i00 = (y0 * width + x0) * 3;
  const i01 = (y0 * width + x1) * 3;
  const i10 = (y1 * width + x0) * 3;
  const i11 = (y1 * width + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = (data[i00 + c] ?? 0) * (1 - fx) + (data[i01 + c] ?? 0) * fx;
    const bottom = (data[i10 + c] ?? 0) * (1 - fx) + (data[i11 + c] ?? 0) * fx;
    acc[c] = (acc[c] ?? 0) + top * (1 - fy) + bottom * fy;
  }
}

/** Crops every face for the classifier: gray or colour squares of the model's input size. */
export function cropFaces(image: RgbImage, faces: readonly DetectedFace[], framing: CropFraming, size: number, channels: 1 | 3): FaceCrop[] {
  checkFraming(framing);
  return faces.map((face) => ({ pixels: sampleSquare(image, faceSquare(face, framing), size, channels), size, channels }));
}
