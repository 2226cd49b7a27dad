// Parity of the ONNX port with the original face-api SSD-MobileNetV1 (tfjs, wasm backend) on the same 512x512 input.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFaceDetector, runDetector, type FaceDetectorModel } from '../../src/models/face-detector.js';

const require = createRequire(import.meta.url);
const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const photosDir = join(process.env.VISAGE_SHARED_DIR ?? join(repoDir, '..', 'shared'), 'photos');
const PHOTOS = [
  'multi-7faces-small-elvis-shop-dlib-voc-2008_004176.jpg',
  'multi-6faces-selfie-glasses-face_classification-test_image.jpg',
  'multi-5faces-happy-sunglasses-pyfeat-multi_face.jpg',
  'single-happy-man-obama-official-portrait-face_recognition.jpg',
  'noface-rocket-launchpad-skimage.jpg',
];
const SIZE = 512;
const MIN_CONFIDENCE = 0.5;
const FACE_API_IOU = 0.5;

/** The subset of face-api's typings this test uses; its CJS wasm build is loaded with require. */
interface TfTensor { dispose(): void; data(): Promise<Float32Array | Int32Array | Uint8Array>; shape: number[] }
interface FaceApi {
  tf: {
    setWasmPaths(prefix: string): void;
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    getBackend(): string;
    tensor4d(values: Int32Array, shape: [number, number, number, number], dtype: 'int32'): TfTensor;
  };
  nets: {
    ssdMobilenetv1: {
      loadFromDisk(dir: string): Promise<void>;
      forward(input: TfTensor): Promise<{ boxes: TfTensor[]; scores: TfTensor[] }>;
      locateFaces(input: TfTensor, opts: { minConfidence: number; maxResults: number }): Promise<
        { score: number; box: { x: number; y: number; width: number; height: number } }[]
      >;
    };
  };
}

async function loadTile(file: string): Promise<Uint8Array> {
  const { data } = await sharp(join(photosDir, file))
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .resize(SIZE, SIZE, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** face-api's own greedy NMS rule (suppress when IoU > threshold), on x1,y1,x2,y2 boxes. */
function greedyNms(boxes: Float32Array, scores: Float32Array, minScore: number, iou: number): number[] {
  const order = [...scores.keys()].filter((i) => (scores[i] ?? 0) > minScore).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  const kept: number[] = [];
  const at = (i: number, k: number): number => boxes[i * 4 + k] ?? 0;
  for (const i of order) {
    const overlaps = kept.some((j) => {
      const w = Math.max(0, Math.min(at(i, 2), at(j, 2)) - Math.max(at(i, 0), at(j, 0)));
      const h = Math.max(0, Math.min(at(i, 3), at(j, 3)) - Math.max(at(i, 1), at(j, 1)));
      const inter = w * h;
      const area = (k: number): number => (at(k, 2) - at(k, 0)) * (at(k, 3) - at(k, 1));
      return inter / (area(i) + area(j) - inter) > iou;
    });
    if (!overlaps) kept.push(i);
  }
  return kept;
}

describe('face detector ONNX port matches face-api', () => {
  let faceapi: FaceApi;
  let model: FaceDetectorModel;

  beforeAll(async () => {
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    faceapi.tf.setWasmPaths(`${join(repoDir, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(join(repoDir, 'node_modules/@vladmandic/face-api/model'));
    model = await loadFaceDetector({ threads: 1 });
  }, 60_000);

  afterAll(async () => {
    await model.session.release();
  });

  it('runs face-api on the wasm backend', () => {
    expect(faceapi.tf.getBackend()).toBe('wasm');
  });

  it.each(PHOTOS)('raw scores, boxes and final detections agree on %s', async (file) => {
    const tile = await loadTile(file);
    const input = faceapi.tf.tensor4d(Int32Array.from(tile), [1, SIZE, SIZE, 3], 'int32');
    const ref = await faceapi.nets.ssdMobilenetv1.forward(input);
    const refBoxes = (await ref.boxes[0]?.data()) ?? new Float32Array();
    const refScores = (await ref.scores[0]?.data()) ?? new Float32Array();
    const refFaces = await faceapi.nets.ssdMobilenetv1.locateFaces(input, { minConfidence: MIN_CONFIDENCE, maxResults: 100 });
    [...ref.boxes, ...ref.scores, input].forEach((t) => t.dispose());

    const out = await runDetector(model, tile, { tiles: 1, height: SIZE, width: SIZE });
    expect(refScores.length).toBe(out.anchorCount);
    let scoreDiff = 0;
    let boxDiff = 0;
    for (let i = 0; i < out.anchorCount; i++) {
      scoreDiff = Math.max(scoreDiff, Math.abs((out.scores[i] ?? 0) - (refScores[i] ?? 0)));
      // face-api boxes are y1,x1,y2,x2; the ONNX graph gives x1,y1,x2,y2.
      for (const [mine, theirs] of [[0, 1], [1, 0], [2, 3], [3, 2]] as const) {
        boxDiff = Math.max(boxDiff, Math.abs((out.boxes[i * 4 + mine] ?? 0) - (refBoxes[i * 4 + theirs] ?? 0)));
      }
    }
    console.info(`${file}: max |score diff| ${scoreDiff.toExponential(2)}, max |box diff| ${boxDiff.toExponential(2)}`);
    expect(scoreDiff).toBeLessThan(2e-5);
    expect(boxDiff).toBeLessThan(2e-5);

    const mine = greedyNms(out.boxes, out.scores, MIN_CONFIDENCE, FACE_API_IOU);
    expect(mine.length).toBe(refFaces.length);
    mine.forEach((idx, k) => {
      const ref = refFaces[k];
      expect(ref).toBeDefined();
      if (ref === undefined) return;
      expect(out.scores[idx]).toBeCloseTo(ref.score, 3);
      // face-api clips to the input and scales to 512 px.
      const clip = (v: number | undefined): number => Math.min(1, Math.max(0, v ?? 0)) * SIZE;
      expect(clip(out.boxes[idx * 4])).toBeCloseTo(ref.box.x, 1);
      expect(clip(out.boxes[idx * 4 + 1])).toBeCloseTo(ref.box.y, 1);
      expect(clip(out.boxes[idx * 4 + 2]) - clip(out.boxes[idx * 4])).toBeCloseTo(ref.box.width, 1);
      expect(clip(out.boxes[idx * 4 + 3]) - clip(out.boxes[idx * 4 + 1])).toBeCloseTo(ref.box.height, 1);
    });
  }, 60_000);
});
