// The one place that knows the order of the stages: decode -> detect -> crop -> classify -> describe (-> render).
// Each stage is timed. The working image may be smaller than the source; boxes leave this file in source pixels.
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { invalidOption } from '../errors.js';
import { loadFaceDetector, type FaceDetectorModel } from '../models/face-detector.js';
import { loadEmotionClassifier, type EmotionClassifierModel } from '../models/emotion-classifier.js';
import { decodeImage, type DecodeOptions } from './decode.js';
import { detectFaces, type DetectOptions } from './detect.js';
import { cropFaces, faceSquare, sampleSquare } from './crop.js';
import { classifyCrops } from './classify.js';
import { describeFaces } from './describe.js';
import { renderAnnotated, type AnnotationFormat } from './render.js';
import type { Analysis, Box, FaceResult, StageTimingsMs } from './types.js';

export interface VisageModels {
  detector: FaceDetectorModel;
  classifier: EmotionClassifierModel;
  close(): Promise<void>;
}

export interface LoadModelsOptions {
  /** Folder with face-detector.* and emotion.* (default: the bundled assets/models). */
  modelDir?: string;
  /** onnxruntime intra-op threads per model. */
  threads?: number;
}

export async function loadModels(options: LoadModelsOptions = {}): Promise<VisageModels> {
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  const dir = options.modelDir === undefined ? {} : { modelDir: options.modelDir };
  const [detector, classifier] = await Promise.all([
    loadFaceDetector({ ...dir, ...threads }),
    loadEmotionClassifier({ ...dir, ...threads }),
  ]);
  return {
    detector,
    classifier,
    async close() {
      await Promise.all([detector.session.release(), classifier.session.release()]);
    },
  };
}

export interface AnalyzeOptions extends Partial<DecodeOptions> {
  /** Also render the annotated photo in this format. */
  annotate?: AnnotationFormat;
  /** Also return each face's crop (96x96 RGB PNG, framed as the model sees it), e.g. to store a flag. */
  faceCrops?: boolean;
  detect?: Partial<DetectOptions>;
}

export interface AnalysisOutput extends Analysis {
  annotated?: { format: AnnotationFormat; data: Buffer };
  faceCrops?: Buffer[];
}

/** Side of the face crops kept for flags: large enough to relabel by eye, small enough to store. */
export const FLAG_CROP_SIZE = 96;

export async function analyzeImage(bytes: Uint8Array, models: VisageModels, options: AnalyzeOptions = {}): Promise<AnalysisOutput> {
  if (options.annotate !== undefined && options.annotate !== 'png' && options.annotate !== 'jpeg') {
    throw invalidOption('annotate', '"png" or "jpeg"', options.annotate);
  }
  const { annotate, faceCrops, detect, ...decodeOptions } = options;
  const timings: StageTimingsMs = { decode: 0, detect: 0, crop: 0, classify: 0, describe: 0 };
  const time = async <T>(stage: keyof StageTimingsMs, work: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = performance.now() - start;
    }
  };

  const decoded = await time('decode', () => decodeImage(bytes, decodeOptions));
  const { image } = decoded;
  const detected = await time('detect', () => detectFaces(image, detect ?? {}, { detector: models.detector }));
  const { sidecar } = models.classifier;
  const crops = await time('crop', () => cropFaces(image, detected, sidecar.crop, sidecar.size, sidecar.channels));
  const classes = await time('classify', () => classifyCrops(crops, { classifier: models.classifier }));
  const described = await time('describe', () =>
    describeFaces(
      detected.map((face, i) => ({ box: face.box, detectionScore: face.score, classification: classes[i] ?? missing(i) })),
      image.width,
    ),
  );

  const output: AnalysisOutput = {
    width: decoded.width,
    height: decoded.height,
    faces: described.map((face) => ({ ...face, box: toSourcePixels(face.box, decoded.scale, decoded.width, decoded.height) })),
    timingsMs: timings,
  };
  if (annotate !== undefined) {
    output.annotated = { format: annotate, data: await time('render', () => renderAnnotated(image, described, { format: annotate })) };
  }
  if (faceCrops === true) {
    // described is re-ordered by number; crop each face from its own working-pixel box.
    output.faceCrops = await Promise.all(
      described.map((face) => {
        const pixels = sampleSquare(image, faceSquare({ box: face.box, score: face.detectionScore }, sidecar.crop), FLAG_CROP_SIZE, 3);
        return sharp(pixels, { raw: { width: FLAG_CROP_SIZE, height: FLAG_CROP_SIZE, channels: 3 } }).png().toBuffer();
      }),
    );
  }
  return output;
}

function missing(i: number): never {
  throw new Error(`classifier returned no result for face ${i}`);
}

function toSourcePixels(box: Box, scale: number, width: number, height: number): Box {
  const x = Math.max(0, Math.round(box.x * scale));
  const y = Math.max(0, Math.round(box.y * scale));
  return {
    x,
    y,
    width: Math.min(width - x, Math.round(box.width * scale)),
    height: Math.min(height - y, Math.round(box.height * scale)),
  };
}

/** The CLI's and the API's JSON record for one image. */
export function toAnalysisJson(source: string, analysis: Analysis): AnalysisJson {
  return {
    source,
    width: analysis.width,
    height: analysis.height,
    faces: analysis.faces.map((f: FaceResult) => ({
      box: f.box,
      emotion: f.emotion,
      confidence: round(f.confidence),
      scores: Object.fromEntries(Object.entries(f.scores).map(([k, v]) => [k, round(v)])) as FaceResult['scores'],
      description: f.description,
    })),
  };
}

export interface AnalysisJson {
  source: string;
  width: number;
  height: number;
  faces: Array<Pick<FaceResult, 'box' | 'emotion' | 'confidence' | 'scores' | 'description'>>;
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
