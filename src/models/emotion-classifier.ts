// The emotion classifier: an ONNX network written by training/export.py and the sidecar JSON that describes it.
// Every number the runtime needs (input size, normalisation, label order, temperature, class offsets, test-time
// augmentation, crop framing) is read from the sidecar; nothing here repeats the training configuration.
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { EMOTIONS, type Emotion } from '../pipeline/types.js';
import { defaultModelDir, loadOnnxModel, readNumber, readObject, readString, sidecarError, type LoadModelOptions, type SidecarIo } from './session.js';

export interface EmotionSidecar extends SidecarIo {
  size: number;
  channels: 1 | 3;
  mean: number[];
  std: number[];
  /** Model output index -> emotion. */
  labels: Emotion[];
  temperature: number;
  /** Added to logits / temperature before the softmax, in label order (zeros when the sidecar has none). */
  classBias: number[];
  hflip: boolean;
  crop: { scale: number; offsetY: number };
  metrics: Record<string, unknown>;
}

export interface EmotionClassifierModel {
  session: ort.InferenceSession;
  sidecar: EmotionSidecar;
  path: string;
}

export interface LoadEmotionClassifierOptions extends LoadModelOptions {
  /** Folder holding emotion.onnx and emotion.json (default: the package's assets/models). */
  modelDir?: string;
  /** A model file elsewhere (its sidecar beside it, same name with .json); wins over modelDir. */
  modelPath?: string;
  sidecarPath?: string;
}

export async function loadEmotionClassifier(opts: LoadEmotionClassifierOptions = {}): Promise<EmotionClassifierModel> {
  const modelPath = opts.modelPath ?? join(opts.modelDir ?? defaultModelDir(), 'emotion.onnx');
  const sidecarPath = opts.sidecarPath ?? modelPath.replace(/\.onnx$/, '.json');
  const loaded = await loadOnnxModel(modelPath, sidecarPath, (json) => parseEmotionSidecar(json, sidecarPath), opts);
  return loaded;
}

export function parseEmotionSidecar(json: unknown, name: string): EmotionSidecar {
  const root = readObject(json, name, '(root)');
  if (root.format !== 'visage-emotion/1') throw sidecarError(name, 'format', '"visage-emotion/1"', root.format);
  const input = readObject(root.input, name, 'input');
  const output = readObject(root.output, name, 'output');
  const size = readNumber(input, 'size', name, { min: 8, max: 512, integer: true }, 'input.');
  const channels = readNumber(input, 'channels', name, { min: 1, max: 3, integer: true }, 'input.');
  if (channels !== 1 && channels !== 3) throw sidecarError(name, 'input.channels', '1 or 3', channels);
  const mean = readNumberList(input.mean, channels, name, 'input.mean');
  const std = readNumberList(input.std, channels, name, 'input.std');
  if (std.some((s) => s <= 0)) throw sidecarError(name, 'input.std', 'positive numbers', std);
  const labels = root.labels;
  if (
    !Array.isArray(labels) ||
    labels.length !== EMOTIONS.length ||
    !EMOTIONS.every((e) => labels.includes(e))
  ) {
    throw sidecarError(name, 'labels', `a permutation of ${EMOTIONS.join(', ')}`, labels);
  }
  const tta = readObject(root.tta ?? {}, name, 'tta');
  if (tta.hflip !== undefined && typeof tta.hflip !== 'boolean') throw sidecarError(name, 'tta.hflip', 'a boolean', tta.hflip);
  const crop = readObject(root.crop, name, 'crop');
  const inputName = readString(input, 'name', name, 'input.');
  const outputName = readString(output, 'name', name, 'output.');
  return {
    inputs: [{ name: inputName, dims: [null, channels, size, size] }],
    outputs: [{ name: outputName, dims: [null, EMOTIONS.length] }],
    size,
    channels,
    mean,
    std,
    labels: labels as Emotion[],
    temperature: readNumber(root, 'temperature', name, { min: 0.05, max: 20 }),
    classBias: readClassBias(root.classBias, name),
    hflip: tta.hflip === true,
    crop: {
      scale: readNumber(crop, 'scale', name, { min: 0.1, max: 4 }, 'crop.'),
      offsetY: readNumber(crop, 'offsetY', name, { min: -1, max: 1 }, 'crop.'),
    },
    metrics: readObject(root.metrics ?? {}, name, 'metrics'),
  };
}

// Sidecars written before class offsets existed have none: that is the same as zeros. Larger offsets than a few units
// would overrule the network instead of nudging it, so they are refused as a broken export.
function readClassBias(value: unknown, name: string): number[] {
  if (value === undefined) return new Array<number>(EMOTIONS.length).fill(0);
  const bias = readNumberList(value, EMOTIONS.length, name, 'classBias');
  if (bias.some((v) => Math.abs(v) > 5)) throw sidecarError(name, 'classBias', 'numbers from -5 to 5', value);
  return bias;
}

function readNumberList(value: unknown, length: number, name: string, field: string): number[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw sidecarError(name, field, `a list of ${length} finite numbers`, value);
  }
  return value as number[];
}

/** Raw logits for a batch already laid out as [n, channels, size, size]. */
export async function runEmotionModel(model: EmotionClassifierModel, batch: Float32Array, n: number): Promise<Float32Array> {
  const { size, channels } = model.sidecar;
  const inputName = model.sidecar.inputs[0]?.name ?? 'input';
  const outputName = model.sidecar.outputs[0]?.name ?? 'logits';
  const feeds = { [inputName]: new ort.Tensor('float32', batch, [n, channels, size, size]) };
  const result = await model.session.run(feeds);
  const out = result[outputName];
  if (out === undefined || !(out.data instanceof Float32Array)) throw new Error(`emotion model returned no float "${outputName}" output`);
  return out.data;
}
