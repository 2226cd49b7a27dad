// For each dev photo: detectFaces at a low threshold, then the score of the weakest expected face (the k-th best box,
// k = the README count) and of the strongest extra box (the (k+1)-th). A detector keeps every photo right at
// minScore t exactly when all k-th scores are >= t and all (k+1)-th scores are < t. Run from the repository root:
//   npx tsx tools/detector-margins.ts [modelDir=assets/models] [passSide=512] [detailSide=1024]
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { loadFaceDetector } from '../src/models/face-detector.js';
import { detectFaces, type DetectOptions } from '../src/pipeline/detect.js';
import type { RgbImage } from '../src/pipeline/types.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const photosDir = join(process.env.VISAGE_SHARED_DIR ?? join(process.cwd(), '..', 'shared'), 'photos');
const modelDir = resolve(args.modelDir ?? 'assets/models');
const LOW_SCORE = 0.05;
const options: DetectOptions = {
  minScore: LOW_SCORE,
  ...(args.passSide === undefined ? {} : { passSide: Number(args.passSide) }),
  ...(args.detailSide === undefined ? {} : { detailSide: Number(args.detailSide) }),
};

function expectedFaces(file: string): number {
  if (file.startsWith('noface-')) return 0;
  if (file.startsWith('single-')) return 1;
  return Number(/^multi-(\d+)faces-/.exec(file)?.[1] ?? NaN);
}

async function loadImage(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
}

const detector = await loadFaceDetector({ threads: 1, modelDir });
const files = readdirSync(photosDir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
let lowestFace = 1;
let highestExtra = 0;
process.stdout.write(`model ${modelDir}\n`);
for (const file of files) {
  const faces = await detectFaces(await loadImage(join(photosDir, file)), options, { detector });
  const k = expectedFaces(file);
  const weakest = k > 0 ? (faces[k - 1]?.score ?? 0) : NaN;
  const extra = faces[k]?.score ?? LOW_SCORE;
  if (k > 0) lowestFace = Math.min(lowestFace, weakest);
  highestExtra = Math.max(highestExtra, extra);
  const scores = faces.slice(0, k).map((f) => f.score.toFixed(3)).join(' ');
  process.stdout.write(`${file.slice(0, 52).padEnd(52)} k=${k} weakest ${k > 0 ? weakest.toFixed(3) : '  -  '} extra ${extra.toFixed(3)}  [${scores}]\n`);
}
process.stdout.write(`lowest expected face ${lowestFace.toFixed(3)}, highest extra box ${highestExtra.toFixed(3)} (below ${LOW_SCORE} shows as ${LOW_SCORE})\n`);
await detector.session.release();
