// `npm run bench` (builds first): Visage's pipeline against face-api (SSD-MobileNetV1 + 68 landmarks + expressions on tfjs-wasm)
// on the same 640 and 1920 px group photos, each contender in its own process (so peak memory is its own), one
// after the other (so they never share the two cores); then the HTTP server under load (bench/server-load.ts), then the web page's answer time in Chromium.
// Environment: BENCH_SECONDS (per width and contender, default 15), BENCH_LOAD_SECONDS (per load step, default 60),
// BENCH_SKIP_LOAD=1 to skip the load test, BENCH_SKIP_WEB=1 to skip the web page's answer time (bench/web-latency.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ALLOCATOR_ENV } from '../src/cli/launch.js';
import { GROUP_PHOTOS, WIDTHS, portraits, preparePhotos, type Portrait } from './photos.js';

const run = promisify(execFile);
const EXPECTED_FACES: Record<string, number> = Object.fromEntries(GROUP_PHOTOS.map((name) => [name, Number(/multi-(\d+)faces/.exec(name)?.[1])]));

interface ContenderResult {
  results: Record<string, { msPerImage: number; cpuMsPerImage: number; imagesPerSecond: number; faces: Record<string, number>; annotatedMs?: number }>;
  portraits: Record<string, string | null>;
  peakRssMb: number;
}

// Visage runs with the malloc settings the `visage` command and `npm start` use (src/cli/launch.ts). face-api gets
// the arena limit only: the fixed mmap threshold made it 2-30% slower (tfjs-wasm grows its heap in large blocks), and
// without the arena limit it was neither faster nor smaller.
const FACEAPI_ENV = { MALLOC_ARENA_MAX: ALLOCATOR_ENV.MALLOC_ARENA_MAX ?? '2' };

async function contender(script: string, photos: unknown, seconds: number, allocatorEnv: Record<string, string>, labelled: Portrait[]): Promise<ContenderResult> {
  const { stdout } = await run(process.execPath, [script, JSON.stringify(photos), String(seconds), JSON.stringify(labelled)], {
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, OMP_NUM_THREADS: '1', ...allocatorEnv },
  });
  const last = stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as ContenderResult;
}

function exactCounts(faces: Record<string, number>): number {
  return Object.entries(faces).filter(([name, n]) => EXPECTED_FACES[name] === n).length;
}

function recall(faces: Record<string, number>): number {
  const found = Object.entries(faces).reduce((a, [name, n]) => a + Math.min(n, EXPECTED_FACES[name] ?? 0), 0);
  const total = Object.values(EXPECTED_FACES).reduce((a, b) => a + b, 0);
  return found / total;
}

const seconds = Number(process.env.BENCH_SECONDS ?? '15');
const photos = await preparePhotos();
const labelled = await portraits();
console.log(`Pipeline benchmark: ${GROUP_PHOTOS.length} group photos at ${WIDTHS.join(' and ')} px, ${seconds} s per width and contender, one thread each.`);
const envText = (env: Record<string, string>) => Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');
console.log(`Visage with ${envText(ALLOCATOR_ENV)}; face-api with ${envText(FACEAPI_ENV)}.`);
const visage = await contender('bench/contender-visage.mjs', photos, seconds, ALLOCATOR_ENV, labelled);
const faceapi = await contender('bench/contender-faceapi.mjs', photos, seconds, FACEAPI_ENV, labelled);

for (const width of WIDTHS) {
  const v = visage.results[width];
  const f = faceapi.results[width];
  if (v === undefined || f === undefined) continue;
  console.log(`\n${width} px`);
  console.log(`  Visage   ${v.msPerImage.toFixed(1).padStart(7)} ms/image  ${v.imagesPerSecond.toFixed(2).padStart(6)} images/s  (${(v.annotatedMs ?? 0).toFixed(1)} ms/image with the annotated JPEG too)`);
  console.log(`  face-api ${f.msPerImage.toFixed(1).padStart(7)} ms/image  ${f.imagesPerSecond.toFixed(2).padStart(6)} images/s`);
  console.log(`  speed ratio (face-api ms / Visage ms): ${(f.msPerImage / v.msPerImage).toFixed(2)}x`);
  // CPU time counts every thread of the process (sharp resizes on libuv's pool while onnxruntime runs), so it shows
  // how much of the wall-time lead comes from overlapping work rather than from doing less of it.
  console.log(`  CPU per image: Visage ${v.cpuMsPerImage.toFixed(1)} ms, face-api ${f.cpuMsPerImage.toFixed(1)} ms (ratio ${(f.cpuMsPerImage / v.cpuMsPerImage).toFixed(2)}x)`);
  console.log(`  face recall vs photo README: Visage ${(recall(v.faces) * 100).toFixed(1)}%, face-api ${(recall(f.faces) * 100).toFixed(1)}%`);
  console.log(`  photos with the right face count: Visage ${exactCounts(v.faces)}/${GROUP_PHOTOS.length}, face-api ${exactCounts(f.faces)}/${GROUP_PHOTOS.length}`);
  for (const name of GROUP_PHOTOS) console.log(`    ${name}: expected ${EXPECTED_FACES[name]}, Visage ${v.faces[name]}, face-api ${f.faces[name]}`);
}
const right = (r: ContenderResult) => labelled.filter((p) => r.portraits[p.name] === p.expected).length;
console.log(`\nEmotion of the face in ${labelled.length} labelled single-face photos: Visage ${right(visage)}/${labelled.length} right, face-api ${right(faceapi)}/${labelled.length}`);
for (const p of labelled) console.log(`    ${p.name}: ${p.expected}; Visage ${visage.portraits[p.name] ?? 'no face'}, face-api ${faceapi.portraits[p.name] ?? 'no face'}`);
console.log(`\nPeak memory (RSS): Visage ${visage.peakRssMb.toFixed(0)} MB, face-api ${faceapi.peakRssMb.toFixed(0)} MB`);

if (process.env.BENCH_SKIP_LOAD !== '1') {
  const { benchServerLoad } = await import('./server-load.js');
  await benchServerLoad({});
}
if (process.env.BENCH_SKIP_WEB !== '1') {
  const { benchWebLatency } = await import('./web-latency.js');
  await benchWebLatency();
}
console.log('\nReproduce: npm run bench   (BENCH_SECONDS, BENCH_LOAD_SECONDS, BENCH_SKIP_LOAD=1 shorten it)');
