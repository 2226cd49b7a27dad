// The SSD-MobileNetV1 face detector (converted from face-api by tools/convert-face-detector.py).
// Everything about the graph (input size, names, defaults) comes from its sidecar JSON, never from this file.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { VisageError } from '../errors.js';
import { loadOnnxModel, readNumber, readObject, readString, sidecarError, type LoadedModel, type SidecarIo } from './session.js';

const MODEL_FILE = 'face-detector.onnx';
const SIDECAR_FILE = 'face-detector.json';

export interface FaceDetectorSidecar extends SidecarIo {
  inputName: string;
  /** Tiles are square: size x size RGB, uint8, NHWC. */
  size: number;
  boxesName: string;
  scoresName: string;
  anchorCount: number;
  defaults: { scoreThreshold: number; nmsIou: number };
}

export type FaceDetectorModel = LoadedModel<FaceDetectorSidecar>;

export interface LoadFaceDetectorOptions {
  /** Folder holding face-detector.onnx and face-detector.json (default: the package's assets/models). */
  modelDir?: string;
  threads?: number;
}

/** Raw detector output for a batch: per tile, `anchorCount` boxes (x1,y1,x2,y2 in 0..1 of the tile) and scores. */
export interface DetectorOutput {
  tiles: number;
  anchorCount: number;
  boxes: Float32Array;
  scores: Float32Array;
}

/** assets/models of this package; the same relative path works from src/models and dist/models. */
export function defaultModelDir(): string {
  return fileURLToPath(new URL('../../assets/models/', import.meta.url));
}

export async function loadFaceDetector(opts: LoadFaceDetectorOptions = {}): Promise<FaceDetectorModel> {
  const dir = opts.modelDir ?? defaultModelDir();
  return loadOnnxModel(join(dir, MODEL_FILE), join(dir, SIDECAR_FILE), parseFaceDetectorSidecar, {
    ...(opts.threads === undefined ? {} : { threads: opts.threads }),
  });
}

export function parseFaceDetectorSidecar(json: unknown): FaceDetectorSidecar {
  const file = SIDECAR_FILE;
  const root = readObject(json, file, '(root)');
  const input = readObject(root.input, file, 'input');
  const outputs = readObject(root.outputs, file, 'outputs');
  const boxes = readObject(outputs.boxes, file, 'outputs.boxes');
  const scores = readObject(outputs.scores, file, 'outputs.scores');
  const defaults = readObject(root.defaults, file, 'defaults');
  if (input.dtype !== 'uint8' || input.layout !== 'NHWC' || input.channels !== 'RGB') {
    throw sidecarError(file, 'input', 'uint8 NHWC RGB', { dtype: input.dtype, layout: input.layout, channels: input.channels });
  }
  const size = readNumber(input, 'size', file, { min: 32, max: 4096, integer: true }, 'input.');
  const boxDims = readDims(boxes.dims, 'outputs.boxes.dims');
  const anchorCount = boxDims[1];
  if (boxDims.length !== 3 || typeof anchorCount !== 'number' || boxDims[2] !== 4) {
    throw sidecarError(file, 'outputs.boxes.dims', '[null, anchors, 4]', boxes.dims);
  }
  const inputName = readString(input, 'name', file, 'input.');
  const boxesName = readString(boxes, 'name', file, 'outputs.boxes.');
  const scoresName = readString(scores, 'name', file, 'outputs.scores.');
  return {
    inputName,
    size,
    boxesName,
    scoresName,
    anchorCount,
    defaults: {
      scoreThreshold: readNumber(defaults, 'scoreThreshold', file, { min: 0, max: 1 }, 'defaults.'),
      nmsIou: readNumber(defaults, 'nmsIou', file, { min: 0, max: 1 }, 'defaults.'),
    },
    inputs: [{ name: inputName, dims: [null, size, size, 3] }],
    outputs: [
      { name: boxesName, dims: boxDims },
      { name: scoresName, dims: readDims(scores.dims, 'outputs.scores.dims') },
    ],
  };
}

function readDims(value: unknown, field: string): (number | null)[] {
  const ok = Array.isArray(value) && value.every((d) => d === null || (Number.isInteger(d) && (d as number) > 0));
  if (!ok) throw sidecarError(SIDECAR_FILE, field, 'an array of positive integers or null', value);
  return value as (number | null)[];
}

/**
 * Runs the detector on `tiles` square RGB tiles packed one after another (tiles*size*size*3 bytes) in one
 * session.run, so onnxruntime batches the convolutions.
 */
export async function runDetector(model: FaceDetectorModel, pixels: Uint8Array, tiles: number): Promise<DetectorOutput> {
  const { size, inputName, boxesName, scoresName, anchorCount } = model.sidecar;
  if (!Number.isInteger(tiles) || tiles < 1 || pixels.length !== tiles * size * size * 3) {
    throw new Error(`runDetector: expected ${tiles} tiles of ${size}x${size}x3 bytes, got ${pixels.length} bytes`);
  }
  const feeds = { [inputName]: new ort.Tensor('uint8', pixels, [tiles, size, size, 3]) };
  const result = await model.session.run(feeds);
  const boxes = result[boxesName];
  const scores = result[scoresName];
  if (boxes === undefined || scores === undefined || !(boxes.data instanceof Float32Array) || !(scores.data instanceof Float32Array)) {
    throw new VisageError('VSG_MODEL_INVALID', `Model ${model.path} did not return float outputs "${boxesName}" and "${scoresName}".`);
  }
  if (boxes.data.length !== tiles * anchorCount * 4 || scores.data.length !== tiles * anchorCount) {
    throw new VisageError('VSG_MODEL_INVALID', `Model ${model.path} returned outputs of unexpected size for ${anchorCount} anchors.`);
  }
  return { tiles, anchorCount, boxes: boxes.data, scores: scores.data };
}
