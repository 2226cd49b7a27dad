// Child process: @vladmandic/face-api in Node on tfjs's wasm backend (one thread), its most accurate path:
// SSD-MobileNetV1 detection + 68-point landmarks + expressions. Prints the same JSON shape as contender-visage.ts.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const modules = join(process.cwd(), 'node_modules');
faceapi.tf.setWasmPaths(`${join(modules, '@tensorflow/tfjs-backend-wasm/dist')}/`);
await faceapi.tf.setBackend('wasm');
await faceapi.tf.ready();
const modelDir = join(modules, '@vladmandic/face-api/model');
await Promise.all([faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir), faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir), faceapi.nets.faceExpressionNet.loadFromDisk(modelDir)]);
const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 });

async function detect(path) {
  const { data, info } = await sharp(path).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const tensor = faceapi.tf.tensor3d(Int32Array.from(data), [info.height, info.width, 3], 'int32');
  try {
    return await faceapi.detectAllFaces(tensor, options).withFaceLandmarks().withFaceExpressions();
  } finally {
    tensor.dispose();
  }
}

async function analyse(path) {
  return (await detect(path)).length;
}

// face-api's expression names -> Visage's emotion names
const EMOTION = { angry: 'angry', disgusted: 'disgust', fearful: 'fear', happy: 'happy', sad: 'sad', surprised: 'surprise', neutral: 'neutral' };

const photos = JSON.parse(process.argv[2] ?? '[]');
const seconds = Number(process.argv[3] ?? '10');
const results = {};
for (const width of [...new Set(photos.map((p) => p.width))]) {
  const set = photos.filter((p) => p.width === width);
  const faces = {};
  for (const p of set) faces[p.name] = await analyse(p.path);
  let images = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (const p of set) await analyse(p.path);
    images += set.length;
  }
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMsPerImage = (cpu.user + cpu.system) / 1000 / images;
  results[width] = { msPerImage: elapsed / images, cpuMsPerImage, imagesPerSecond: (images * 1000) / elapsed, faces };
}
// Peak memory of the timed group photos, before the portraits (some are larger originals).
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const portraits = {};
for (const p of JSON.parse(process.argv[4] ?? '[]')) {
  const faces = await detect(p.path);
  const largest = faces.sort((a, b) => b.detection.box.area - a.detection.box.area)[0];
  const top = largest === undefined ? undefined : Object.entries(largest.expressions).sort((a, b) => b[1] - a[1])[0];
  portraits[p.name] = top === undefined ? null : EMOTION[top[0]] ?? top[0];
}
console.log(JSON.stringify({ results, portraits, peakRssMb }));
