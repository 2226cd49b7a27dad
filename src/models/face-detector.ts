// The SSD-MobileNetV1 face detector (converted from face-api by tools/convert-face-detector.py).
// Everything about the graph (input size, names, defaults) comes from its sidecar JSON, never from this file.
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { VisageError } from '../errors.js';
import { defaultModelDir, loadOnnxModel, readNumber, readObject, readString, sidecarError, type LoadedModel, type SidecarIo } from './session.js';

const MODEL_FILE = 'face-detector.onnx';
const SIDECAR_FILE = 'face-detector.json';

export interface FaceDetectorSidecar extends SidecarIo {
  inputName: string;
  /** Input size the model was trained at (face-api feeds size x size). */
  trainedSize: number;
  /** Input height and width must be multiples of this (the backbone's total stride). */
  sizeMultiple: number;
  boxesName: string;
  scoresName: string;
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
  /** Anchors per tile (5118 at 512x512). */
  anchorCount: number;
  boxes: Float32Array;
  scores: Float32Array;
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
  const trainedSize = readNumber(input, 'trainedSize', file, { min: 32, max: 4096, integer: true }, 'input.');
  const sizeMultiple = readNumber(input, 'sizeMultiple', file, { min: 1, max: 512, integer: true }, 'input.');
  const inputName = readString(input, 'name', file, 'input.');
  const boxesName = readString(boxes, 'name', file, 'outputs.boxes.');
  const scoresName = readString(scores, 'name', file, 'outputs.scores.');
  return {
    inputName,
    trainedSize,
    sizeMultiple,
    boxesName,
    scoresName,
    defaults: {
      scoreThreshold: readNumber(defaults, 'scoreThreshold', file, { min: 0, max: 1 }, 'defaults.'),
      nmsIou: readNumber(defaults, 'nmsIou', file, { min: 0, max: 1 }, 'defaults.'),
    },
    inputs: [{ name: inputName, dims: readDims(input.dims, 'input.dims') }],
    outputs: [
      { name: boxesName, dims: readDims(boxes.dims, 'outputs.boxes.dims') },
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
 * Runs the detector on `tiles` RGB tiles of height x width packed one after another (tiles*height*width*3 bytes)
 * in one session.run, so onnxruntime batches the convolutions.
 */
export async function runDetector(
  model: FaceDetectorModel,
  pixels: Uint8Array,
  shape: { tiles: number; height: number; width: number },
): Promise<DetectorOutput> {
  const { inputName, boxesName, scoresName, sizeMultiple } = model.sidecar;
  const { tiles, height, width } = shape;
  const valid =
    [tiles, height, width].every((n) => Number.isInteger(n) && n > 0) &&
    height % sizeMultiple === 0 &&
    width % sizeMultiple === 0 &&
    pixels.length === tiles * height * width * 3;
  if (!valid) {
    throw new Error(
      `runDetector: expected ${tiles} tiles of ${height}x${width}x3 bytes (sides multiples of ${sizeMultiple}), got ${pixels.length} bytes`,
    );
  }
  const feeds = { [inputName]: new ort.Tensor('uint8', pixels, [tiles, height, width, 3]) };
  const result = await model.session.run(feeds);
  const boxes = result[boxesName];
  const scores = result[scoresName];
  if (boxes === undefined || scores === undefined || !(boxes.data instanceof Float32Array) || !(scores.data instanceof Float32Array)) {
    throw new VisageError('VSG_MODEL_INVALID', `Model ${model.path} did not return float outputs "${boxesName}" and "${scoresName}".`);
  }
  const anchorCount = scores.data.length / tiles;
  if (!Number.isInteger(anchorCount) || boxes.data.length !== scores.data.length * 4) {
    throw new VisageError('VSG_MODEL_INVALID', `Model ${model.path} returned boxes and scores of mismatched sizes.`);
  }
  return { tiles, anchorCount, boxes: boxes.data, scores: scores.data };
}
