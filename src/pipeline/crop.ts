// Stage 3: cut each face out the way the emotion model saw faces in training. FER2013 faces are loose square crops
// (forehead to chin); the model's sidecar says how a detector box maps to that square (scale, downward shift), and
// when the detector gives eye centres the square is rotated so the eyes are level.
import { invalidOption } from '../errors.js';
import { resampleInto } from './resample.js';
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

/** Resamples a (possibly rotated) square of the image to size x size pixels (see resampleInto). */
export function sampleSquare(image: RgbImage, square: FaceSquare, size: number, channels: 1 | 3): Uint8Array {
  if (!Number.isInteger(size) || size < 1) throw invalidOption('size', 'a positive integer', size);
  const out = new Uint8Array(size * size * channels);
  const step = square.side / size;
  const grid = { centerX: square.center.x, centerY: square.center.y, angle: square.angle, width: size, height: size, stepX: step, stepY: step };
  resampleInto(image, grid, out, channels);
  return out;
}

/** Crops every face for the classifier: gray or colour squares of the model's input size. */
export function cropFaces(image: RgbImage, faces: readonly DetectedFace[], framing: CropFraming, size: number, channels: 1 | 3): FaceCrop[] {
  checkFraming(framing);
  return faces.map((face) => ({ pixels: sampleSquare(image, faceSquare(face, framing), size, channels), size, channels }));
}
