// Prints, for each photo in <shared>/photos, the faces found against the count in its file name, and the time
// detectFaces takes. Build and run from the repository root:
//   npx tsc --outDir test-artifacts/tools-build --rootDir . --module nodenext --moduleResolution nodenext \
//     --target es2022 --skipLibCheck --esModuleInterop --types node tools/measure-detector.ts
//   node test-artifacts/tools-build/tools/measure-detector.js [threads=1] [passSide=512] [detailSide=1024] [minScore=0.5]
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadFaceDetector } from '../src/models/face-detector.js';
import { detectFaces, type DetectOptions } from '../src/pipeline/detect.js';
import type { RgbImage } from '../src/pipeline/types.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const photosDir = join(process.env.VISAGE_SHARED_DIR ?? join(process.cwd(), '..', 'shared'), 'photos');
const threads = Number(args.threads ?? 1);
const options: DetectOptions = {
  ...(args.passSide === undefined ? {} : { passSide: Number(args.passSide) }),
  ...(args.detailSide === undefined ? {} : { detailSide: Number(args.detailSide) }),
  ...(args.minScore === undefined ? {} : { minScore: Number(args.minScore) }),
};
const runs = Number(args.runs ?? 3);

function expectedFaces(file: string): number {
  if (file.startsWith('noface')) return 0;
  if (file.startsWith('single')) return 1;
  return Number(/multi-(\d+)faces/.exec(file)?.[1] ?? NaN);
}

async function loadImage(path: string, maxSide?: number): Promise<RgbImage> {
  let pipeline = sharp(path).rotate().removeAlpha().toColourspace('srgb');
  if (maxSide !== undefined) pipeline = pipeline.resize(maxSide, maxSide, { fit: 'inside' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
}

const detector = await loadFaceDetector({ threads, modelDir: join(process.cwd(), 'assets/models') });
const files = readdirSync(photosDir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
let ok = 0;
for (const file of files) {
  const image = await loadImage(join(photosDir, file));
  const times: number[] = [];
  let faces = await detectFaces(image, options, { detector });
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    faces = await detectFaces(image, options, { detector });
    times.push(performance.now() - t0);
  }
  const expected = expectedFaces(file);
  if (faces.length === expected) ok++;
  const ms = times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? NaN;
  const detail = faces.map((f) => `${f.score.toFixed(2)}:${Math.round(f.box.x)},${Math.round(f.box.y)},${Math.round(f.box.width)}`).join(' ');
  console.log(`${faces.length === expected ? 'ok  ' : 'MISS'} ${String(faces.length).padStart(2)}/${expected} ${ms.toFixed(0).padStart(5)} ms ${image.width}x${image.height} ${file.slice(0, 48).padEnd(48)} ${detail}`);
}
console.log(`${ok}/${files.length} photos with the expected count`);
for (const side of [640, 1920]) {
  const image = await loadImage(join(photosDir, 'multi-6faces-selfie-glasses-face_classification-test_image.jpg'), side);
  const times: number[] = [];
  for (let r = 0; r < Math.max(runs, 5); r++) {
    const t0 = performance.now();
    await detectFaces(image, options, { detector });
    times.push(performance.now() - t0);
  }
  console.log(`${image.width}x${image.height}: median ${times.sort((a, b) => a - b)[Math.floor(times.length / 2)]?.toFixed(1)} ms per detectFaces`);
}
