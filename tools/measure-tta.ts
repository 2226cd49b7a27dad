// Test-time augmentation beyond the mirror image: scores the emotion model on a FER2013 split with several sets of
// views (shifts of 1-2 px, zoom 0.9-1.1, each with its mirror image), logits averaged per face, as the runtime would.
// Run from the repository root:
//   npx tsx tools/measure-tta.ts [--model-dir assets/models] [--split PublicTest] [--data <fer2013.csv.gz>]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEmotionClassifier, runEmotionModel } from '../src/models/emotion-classifier.js';
import { FER_SIZE, readFer2013, type FerSplit } from '../src/evaluation/fer2013.js';
import { EMOTIONS } from '../src/pipeline/types.js';

const { values } = parseArgs({
  options: {
    'model-dir': { type: 'string', default: 'assets/models' },
    split: { type: 'string', default: 'PublicTest' },
    data: { type: 'string', default: join(process.env.VISAGE_SHARED_DIR ?? join(process.cwd(), '..', 'shared'), 'data', 'fer2013', 'fer2013.csv.gz') },
  },
});
const model = await loadEmotionClassifier({ modelDir: values['model-dir'] ?? 'assets/models', threads: 1 });
const { mean, std, size, labels } = model.sidecar;
if (size !== FER_SIZE) throw new Error(`this tool feeds 48x48 FER faces; the model wants ${size} px`);
const faces: { pixels: Uint8Array; label: number }[] = [];
for await (const face of readFer2013(values.data ?? '', (values.split ?? 'PublicTest') as FerSplit)) {
  faces.push({ pixels: face.pixels, label: labels.indexOf(face.label) }); // index into the model's output order
}

/** One view: the face shifted by (dx, dy) px and zoomed by 1/zoom about its centre, optionally mirrored; edges repeat. */
function view(pixels: Uint8Array, dx: number, dy: number, zoom: number, mirror: boolean): Float32Array {
  const out = new Float32Array(size * size);
  const c = (size - 1) / 2;
  const clamp = (v: number) => Math.min(size - 1, Math.max(0, v));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = clamp(c + ((mirror ? size - 1 - x : x) - c) * zoom + dx);
      const sy = clamp(c + (y - c) * zoom + dy);
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const x1 = Math.min(size - 1, x0 + 1), y1 = Math.min(size - 1, y0 + 1);
      const fx = sx - x0, fy = sy - y0;
      const at = (xx: number, yy: number) => pixels[yy * size + xx] ?? 0;
      const v = (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
      out[y * size + x] = (v / 255 - (mean[0] ?? 0)) / (std[0] ?? 1);
    }
  }
  return out;
}

type View = [dx: number, dy: number, zoom: number];
const withMirrors = (views: View[]) => views.flatMap(([dx, dy, z]) => [`${dx},${dy},${z},0`, `${dx},${dy},${z},1`]);
const sets: Record<string, string[]> = {
  'plain': ['0,0,1,0'],
  'mirror (shipped)': withMirrors([[0, 0, 1]]),
  'mirror + shifts 1 px': withMirrors([[0, 0, 1], [1, 0, 1], [-1, 0, 1], [0, 1, 1], [0, -1, 1]]),
  'mirror + shifts 2 px': withMirrors([[0, 0, 1], [2, 0, 1], [-2, 0, 1], [0, 2, 1], [0, -2, 1]]),
  'mirror + zoom 0.9/1.1': withMirrors([[0, 0, 1], [0, 0, 0.9], [0, 0, 1.1]]),
  'mirror + zoom 0.95/1.05': withMirrors([[0, 0, 1], [0, 0, 0.95], [0, 0, 1.05]]),
  'mirror + zoom out 1.1': withMirrors([[0, 0, 1], [0, 0, 1.1]]),
};
const logits = new Map<string, Float32Array>();
for (const key of new Set(Object.values(sets).flat())) {
  const [dx = 0, dy = 0, zoom = 1, mirror = 0] = key.split(',').map(Number);
  const all = new Float32Array(faces.length * EMOTIONS.length);
  for (let i = 0; i < faces.length; i += 256) {
    const chunk = faces.slice(i, i + 256);
    const batch = new Float32Array(chunk.length * size * size);
    chunk.forEach((face, j) => batch.set(view(face.pixels, dx, dy, zoom, mirror === 1), j * size * size));
    all.set(await runEmotionModel(model, batch, chunk.length), i * EMOTIONS.length);
  }
  logits.set(key, all);
}
const k = EMOTIONS.length;
console.log(`${values.split}, ${faces.length} faces, ${values['model-dir']}/emotion.onnx`);
for (const [name, keys] of Object.entries(sets)) {
  let right = 0;
  faces.forEach((face, i) => {
    const sum = Array.from({ length: k }, (_, j) => keys.reduce((a, key) => a + (logits.get(key)?.[i * k + j] ?? 0), 0));
    if (sum.indexOf(Math.max(...sum)) === face.label) right++;
  });
  console.log(`  ${name.padEnd(26)} ${String(keys.length).padStart(2)} views  ${((100 * right) / faces.length).toFixed(2)}%`);
}
