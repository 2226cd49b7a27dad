// Times detectFaces on one intra-op thread for a group photo at 640 px and at 1920 px (longest side), and one raw
// 512x512 inference, and prints medians of wall time and of the process's CPU time per call (all threads: onnxruntime
// runs on the calling thread, sharp on its own). CPU time hardly moves when other jobs share the cores; wall time does.
// Run from the repository root:
//   npx tsx tools/time-detector.ts [modelDir=assets/models] [runs=15] [threads=1] [photo=<file in photos>]
// The machine is shared: run it a few times and compare medians, and say what else was running.
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { loadFaceDetector, runDetector } from '../src/models/face-detector.js';
import { detectFaces } from '../src/pipeline/detect.js';
import type { RgbImage } from '../src/pipeline/types.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const photosDir = join(process.env.VISAGE_SHARED_DIR ?? join(process.cwd(), '..', 'shared'), 'photos');
const photo = args.photo ?? 'multi-6faces-selfie-glasses-face_classification-test_image.jpg';
const runs = Number(args.runs ?? 15);
const threads = Number(args.threads ?? 1);
const modelDir = resolve(args.modelDir ?? 'assets/models');

async function loadImage(path: string, longestSide: number): Promise<RgbImage> {
  const { data, info } = await sharp(path)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .resize(longestSide, longestSide, { fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
}

interface Timing {
  median: number;
  min: number;
  cpuMedian: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function timeMs(run: () => Promise<unknown>): Promise<Timing> {
  await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { median: median(wall), min: Math.min(...wall), cpuMedian: median(cpu) };
}

const detector = await loadFaceDetector({ threads, modelDir });
const report = (label: string, t: Timing, extra = ''): void => {
  const ms = (v: number): string => v.toFixed(1).padStart(6);
  process.stdout.write(`${label.padEnd(28)} median ${ms(t.median)} ms  min ${ms(t.min)} ms  cpu median ${ms(t.cpuMedian)} ms ${extra}\n`);
};
process.stdout.write(`model ${modelDir}, ${threads} thread(s), ${runs} runs, photo ${photo}\n`);
const tile = new Uint8Array(512 * 512 * 3).fill(128);
report('raw 512x512 inference', await timeMs(() => runDetector(detector, tile, { tiles: 1, height: 512, width: 512 })));
for (const side of [640, 1920]) {
  const image = await loadImage(join(photosDir, photo), side);
  const faces = await detectFaces(image, {}, { detector });
  report(`detectFaces ${image.width}x${image.height}`, await timeMs(() => detectFaces(image, {}, { detector })), `${faces.length} faces`);
}
await detector.session.release();
