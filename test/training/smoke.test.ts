// End to end through the training pipeline: a short run of training/train.py on a slice of FER2013, export to ONNX
// plus sidecar, then the TypeScript runtime loads the file and classifies PublicTest faces the run never trained on.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmotionClassifier, type EmotionClassifierModel } from '../../src/models/emotion-classifier.js';
import { classifyCrops } from '../../src/pipeline/classify.js';
import { readFer2013, type FerFace } from '../../src/evaluation/fer2013.js';
import { evaluateFer2013 } from '../../src/evaluation/evaluate-fer.js';
import { EMOTIONS } from '../../src/pipeline/types.js';
import { FER_CSV, REPO_DIR, photo } from '../helpers/paths.js';
import { analyzeImage, loadModels } from '../../src/index.js';
import { openDataStore } from '../../src/store/store.js';
import { runCli } from '../cli/run-cli.js';

const PYTHON = '/usr/bin/python3';
const INSTALL_HINT = 'apt-get install -y python3-torch python3-torchvision python3-onnx libopenblas0-openmp';
const FACES = 500;
const CHANCE = 0.3; // the majority class (happy) is about 25% of PublicTest
const TIMEOUT_MS = 600_000;

function python(args: string[]): string {
  const run = spawnSync(PYTHON, args, { cwd: REPO_DIR, encoding: 'utf8', timeout: TIMEOUT_MS, env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  if (run.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed (${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

function requireTorch(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision, onnx, yaml'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import torch/torchvision/onnx/yaml, which training needs. Run: ${INSTALL_HINT}\n${probe.stderr ?? ''}`);
  }
}

async function firstFaces(split: 'Training' | 'PublicTest', n: number): Promise<FerFace[]> {
  const faces: FerFace[] = [];
  for await (const face of readFer2013(FER_CSV, split)) {
    faces.push(face);
    if (faces.length === n) break;
  }
  return faces;
}

describe('training pipeline smoke run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'visage-training-'));
  const dataDir = dirname(FER_CSV);
  let classifier: EmotionClassifierModel;
  let trainLog = '';

  beforeAll(async () => {
    requireTorch();
    const common = ['--config', 'training/configs/smoke.yaml', '--data_dir', dataDir];
    trainLog = python(['training/train.py', ...common, '--out', join(dir, 'run')]);
    python(['training/export.py', '--run', join(dir, 'run'), '--model-dir', join(dir, 'models')]);
    classifier = await loadEmotionClassifier({ modelPath: join(dir, 'models', 'emotion.onnx'), sidecarPath: join(dir, 'models', 'emotion.json') });
  }, TIMEOUT_MS);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the sidecar the runtime reads', () => {
    const sidecar = JSON.parse(readFileSync(join(dir, 'models', 'emotion.json'), 'utf8')) as Record<string, unknown>;
    expect(sidecar.format).toBe('visage-emotion/1');
    expect(sidecar.labels).toEqual([...EMOTIONS]);
    expect(Object.keys(sidecar).sort()).toEqual(['classBias', 'crop', 'format', 'input', 'labels', 'metrics', 'output', 'precision', 'tta', 'temperature', 'training'].sort());
    expect(sidecar.precision).toBe('fp32');
    expect(classifier.sidecar.size).toBe(48);
    expect(classifier.sidecar.channels).toBe(1);
    expect(classifier.sidecar.temperature).toBeGreaterThan(0.2);
    // class offsets fitted on PublicTest: one per label, centred (only their differences matter)
    expect(classifier.sidecar.classBias).toHaveLength(EMOTIONS.length);
    expect(Math.abs(classifier.sidecar.classBias.reduce((a, b) => a + b, 0))).toBeLessThan(1e-3);
    // crop framing is copied from the recipe (args.yaml of the run), never restated here
    const args = readFileSync(join(dir, 'run', 'args.yaml'), 'utf8');
    const fromArgs = (key: string): number => Number(new RegExp(`^${key}: (.+)$`, 'm').exec(args)?.[1]);
    expect(classifier.sidecar.crop).toEqual({ scale: fromArgs('crop_scale'), offsetY: fromArgs('crop_offset_y') });
    expect(trainLog).toMatch(/epoch (\d+)\/\1 .*PublicTest acc/);
  });

  it('beats chance on PublicTest faces it never trained on, and agrees with the training-time score', async () => {
    const faces = await firstFaces('PublicTest', FACES);
    const results = await classifyCrops(faces.map((f) => ({ pixels: f.pixels, size: 48, channels: 1 as const })), { classifier });
    const accuracy = results.filter((r, i) => r.emotion === faces[i]?.label).length / faces.length;
    expect(accuracy).toBeGreaterThan(CHANCE);
    for (const r of results) expect(Object.values(r.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // summary.csv holds PyTorch's score (bf16, same 500 faces, same flip averaging) for each epoch; best.pt is the max.
    const rows = readFileSync(join(dir, 'run', 'summary.csv'), 'utf8').trim().split('\n').slice(1);
    const best = Math.max(...rows.map((r) => Number(r.split(',')[3])));
    expect(Math.abs(accuracy - best)).toBeLessThan(0.03);
  });

  it('exports an int8 model whose runtime score is the one the training pipeline recorded', async () => {
    // int8 needs the plain conv stack of the vgg recipe: the smoke run with a small vgg instead of mini-Xception.
    const runDir = join(dir, 'run-vgg');
    python(['training/train.py', '--config', 'training/configs/smoke.yaml', '--data_dir', dataDir, '--out', runDir, '--arch', 'vgg', '--width', '8']);
    const modelDir = join(dir, 'model-int8');
    python(['training/export.py', '--run', runDir, '--model-dir', modelDir, '--int8']);
    const sidecar = JSON.parse(readFileSync(join(modelDir, 'emotion.json'), 'utf8')) as {
      precision: string;
      metrics: { publicTest: { accuracy: number } };
    };
    expect(sidecar.precision).toBe('int8');
    const int8 = await loadEmotionClassifier({ modelPath: join(modelDir, 'emotion.onnx'), sidecarPath: join(modelDir, 'emotion.json') });
    try {
      const result = await evaluateFer2013(FER_CSV, 'PublicTest', int8);
      expect(result.n).toBe(3589);
      expect(result.accuracy).toBeGreaterThan(CHANCE);
      // PyTorch's twin of the int8 graph and onnxruntime's QLinearConv: within 0.1 point (4 of 3589 faces)
      expect(Math.abs(result.accuracy - sidecar.metrics.publicTest.accuracy)).toBeLessThan(0.001);
    } finally {
      await int8.session.release();
    }
  }, TIMEOUT_MS);

  it('counts the rows of an extra training set given with --extra', async () => {
    const extraDir = join(dir, 'extra');
    mkdirSync(extraDir);
    const train = await firstFaces('Training', 40);
    const lines = ['emotion,pixels,Usage', ...train.map((f) => `${EMOTIONS.indexOf(f.label)},${Array.from(f.pixels).join(' ')},Training`)];
    lines.push(`3,${Array.from(train[0]?.pixels ?? []).join(' ')},PublicTest`); // only Training rows count
    writeFileSync(join(extraDir, 'fer2013.csv'), `${lines.join('\n')}\n`);
    const log = python(['training/train.py', '--config', 'training/configs/smoke.yaml', '--data_dir', dataDir,
      '--out', join(dir, 'run-extra'), '--extra', extraDir, '--epochs', '1', '--train_limit', '600', '--eval_limit', '100']);
    expect(log).toMatch(/extra training set .*: 40 rows/);
    expect(log).toMatch(/train 640 faces \(FER2013 600, extra 40\)/);
  }, TIMEOUT_MS);

  it('turns flags an operator accepted into extra training data, and the model card lists it', async () => {
    // Real flags: faces Visage found in a real group photo, corrected by a user, accepted by an operator.
    const visageDir = join(dir, 'visage-data');
    const models = await loadModels();
    const analysis = await analyzeImage(readFileSync(photo('multi-7faces-small-elvis-shop-dlib-voc-2008_004176.jpg')), models, { faceCrops: true });
    await models.close();
    const store = openDataStore(visageDir);
    analysis.faces.forEach((face, i) => {
      const { id } = store.flags.add({
        userId: store.users.resolve('web', `tester-${i}`),
        channel: 'web',
        faceNumber: face.number,
        predicted: face.emotion,
        scores: face.scores,
        label: 'happy',
        cropPng: analysis.faceCrops?.[i] ?? new Uint8Array(),
      });
      if (i < 6) store.flags.review(id, 'accept');
    });
    store.close();
    const extraDir = join(dir, 'flags-export');
    const exported = await runCli(['flags', 'export', '--out', extraDir, '--data-dir', visageDir]);
    expect(exported.code).toBe(0);

    const runDir = join(dir, 'run-flags');
    const log = python(['training/train.py', '--config', 'training/configs/smoke.yaml', '--data_dir', dataDir,
      '--out', runDir, '--extra', extraDir, '--epochs', '1', '--train_limit', '600', '--eval_limit', '100']);
    expect(log).toMatch(/train 606 faces \(FER2013 600, extra 6\)/);
    python(['training/export.py', '--run', runDir, '--model-dir', join(dir, 'model-flags')]);
    const card = readFileSync(join(dir, 'model-flags', 'emotion.md'), 'utf8');
    expect(card).toContain(`Extra training data: ${extraDir}`);
  }, TIMEOUT_MS);
});
