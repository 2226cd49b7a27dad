// Loads an ONNX model once with onnxruntime-node, together with its sidecar JSON, and checks that the two agree.
// Each model file (face detector, emotion classifier) supplies its own sidecar validator; this file stays generic.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { VisageError, describeValue } from '../errors.js';

/** One named input or output as the sidecar describes it. `null` in dims means "any size" (a dynamic axis). */
export interface TensorSpec {
  name: string;
  dims?: readonly (number | null)[];
}

/** What every sidecar must tell about the graph's interface. */
export interface SidecarIo {
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
}

export interface LoadedModel<S extends SidecarIo> {
  session: ort.InferenceSession;
  sidecar: S;
  path: string;
}

/** assets/models of this package; the same relative path works from src/models and dist/models. */
export function defaultModelDir(): string {
  return fileURLToPath(new URL('../../assets/models/', import.meta.url));
}

export interface LoadModelOptions {
  /** Intra-op threads of onnxruntime (default 1: Visage runs several requests side by side). */
  threads?: number;
}

export async function loadOnnxModel<S extends SidecarIo>(
  onnxPath: string,
  sidecarPath: string,
  validateSidecar: (json: unknown) => S,
  opts: LoadModelOptions = {},
): Promise<LoadedModel<S>> {
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new VisageError('VSG_MODEL_INVALID', `Model threads must be an integer from 1 to 64; received ${describeValue(threads)}.`);
  }
  const sidecar = validateSidecar(await readSidecarJson(sidecarPath));
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnxPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // No memory pattern: it plans one block per input shape and keeps it, and the detector's input changes shape
      // with every photo. The CPU arena stays: without it every run maps and unmaps its tensors. Peak RSS of the
      // bench's Visage process (640 and 1920-px group photos): pattern on 316-335 MB, arena and pattern off 324-350,
      // arena on and pattern off 287-289 (all with MALLOC_ARENA_MAX=2); ms per image within the noise.
      enableMemPattern: false,
    });
  } catch (cause) {
    throw new VisageError('VSG_MODEL_INVALID', `Model file ${onnxPath} could not be loaded: ${errorText(cause)}.`, { cause });
  }
  checkIo('input', onnxPath, session.inputNames, session.inputMetadata, sidecar.inputs);
  checkIo('output', onnxPath, session.outputNames, session.outputMetadata, sidecar.outputs);
  return { session, sidecar, path: onnxPath };
}

async function readSidecarJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new VisageError('VSG_MODEL_INVALID', `Model sidecar ${path} could not be read: ${errorText(cause)}.`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new VisageError('VSG_MODEL_INVALID', `Model sidecar ${path} is not valid JSON: ${errorText(cause)}.`, { cause });
  }
}

function checkIo(
  kind: 'input' | 'output',
  onnxPath: string,
  names: readonly string[],
  metadata: readonly ort.InferenceSession.ValueMetadata[],
  specs: readonly TensorSpec[],
): void {
  const expected = specs.map((s) => s.name);
  if (names.length !== expected.length || expected.some((name) => !names.includes(name))) {
    throw new VisageError(
      'VSG_MODEL_INVALID',
      `Model ${onnxPath} has ${kind}s [${names.join(', ')}] but its sidecar expects [${expected.join(', ')}].`,
    );
  }
  for (const spec of specs) {
    if (spec.dims === undefined) continue;
    const meta = metadata.find((m) => m.name === spec.name);
    if (meta === undefined || !meta.isTensor) continue;
    const actual = meta.shape;
    const matches =
      actual.length === spec.dims.length &&
      spec.dims.every((dim, i) => dim === null || actual[i] === dim);
    if (!matches) {
      throw new VisageError(
        'VSG_MODEL_INVALID',
        `Model ${onnxPath} ${kind} "${spec.name}" has shape [${actual.join(', ')}] but its sidecar expects [${spec.dims
          .map((d) => (d === null ? '?' : String(d)))
          .join(', ')}].`,
      );
    }
  }
}

function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

// Small readers for sidecar validators: each names the file and the field that is wrong.

export function sidecarError(sidecarName: string, field: string, expected: string, actual: unknown): VisageError {
  return new VisageError(
    'VSG_MODEL_INVALID',
    `Sidecar ${sidecarName} field "${field}" must be ${expected}; received ${describeValue(actual)}.`,
  );
}

export function readObject(value: unknown, sidecarName: string, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw sidecarError(sidecarName, field, 'an object', value);
  }
  return value as Record<string, unknown>;
}

export function readString(obj: Record<string, unknown>, key: string, sidecarName: string, prefix = ''): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.length === 0) throw sidecarError(sidecarName, prefix + key, 'a non-empty string', value);
  return value;
}

export function readNumber(
  obj: Record<string, unknown>,
  key: string,
  sidecarName: string,
  range: { min: number; max: number; integer?: boolean },
  prefix = '',
): number {
  const value = obj[key];
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= range.min &&
    value <= range.max &&
    (range.integer !== true || Number.isInteger(value));
  if (!ok) {
    const kind = range.integer === true ? 'an integer' : 'a number';
    throw sidecarError(sidecarName, prefix + key, `${kind} from ${range.min} to ${range.max}`, value);
  }
  return value;
}
