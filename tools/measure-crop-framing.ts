// Measures how the face detector's box sits on a FER2013 face, so that the runtime can cut faces from photos the
// way FER2013 framed them. Each 48x48 face is upscaled and placed in the middle of a larger canvas (edges repeated),
// the detector runs, and for the best box we record the FER frame's side / box side and its centre shift / box height.
// The medians go into the emotion model's training config (crop.scale, crop.offsetY); the spread is the framing jitter
// to train with. Run: npx tsx tools/measure-crop-framing.ts [--data <fer2013.csv.gz>] [--n 600]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadFaceDetector } from '../src/models/face-detector.js';
import { detectFaces } from '../src/pipeline/detect.js';
import { readFer2013 } from '../src/evaluation/fer2013.js';

const { values } = parseArgs({
  options: { data: { type: 'string' }, n: { type: 'string', default: '600' }, face: { type: 'string', default: '160' } },
});
const data = values.data ?? join(process.cwd(), '..', 'shared', 'data', 'fer2013', 'fer2013.csv.gz');
const n = Number(values.n);
const faceSide = Number(values.face);
const canvas = faceSide * 3;

const detector = await loadFaceDetector({ threads: 2 });
const scales: number[] = [];
const offsets: number[] = [];
const shiftsX: number[] = [];
let seen = 0;
for await (const face of readFer2013(data, 'Training')) {
  if (seen++ >= n) break;
  const pad = (canvas - faceSide) / 2;
  const rgb = await sharp(face.pixels, { raw: { width: 48, height: 48, channels: 1 } })
    .resize(faceSide, faceSide, { kernel: 'cubic' })
    .extend({ top: pad, bottom: pad, left: pad, right: pad, extendWith: 'copy' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
  const faces = await detectFaces({ data: new Uint8Array(rgb), width: canvas, height: canvas, channels: 3 }, { minScore: 0.2 }, { detector });
  const best = faces.sort((a, b) => b.score - a.score)[0];
  if (best === undefined) continue;
  const { x, y, width, height } = best.box;
  scales.push(faceSide / Math.max(width, height));
  offsets.push((canvas / 2 - (y + height / 2)) / height);
  shiftsX.push((canvas / 2 - (x + width / 2)) / width);
}

const quantile = (v: number[], q: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const report = (name: string, v: number[]) =>
  `${name}: median ${quantile(v, 0.5).toFixed(3)}, p10 ${quantile(v, 0.1).toFixed(3)}, p90 ${quantile(v, 0.9).toFixed(3)}`;
console.log(`FER2013 Training faces: ${n}, detected: ${scales.length} (${((100 * scales.length) / n).toFixed(1)}%)`);
console.log(report('crop.scale (FER side / box long side)', scales));
console.log(report('crop.offsetY (FER centre below box centre / box height)', offsets));
console.log(report('horizontal shift (FER centre right of box centre / box width)', shiftsX));
await detector.session.release();
