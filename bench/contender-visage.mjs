// Child process: Visage's full pipeline (decode, detect, crop, classify, describe) on one intra-op thread, run
// from the built package (dist/) with plain node, so its peak memory is what users get.
// Prints one JSON line: per width, ms per image, images/s and faces found; the emotion named on each labelled
// portrait; the process's peak RSS.
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { analyzeImage, loadModels } from '../dist/index.js';

/** @type {{ name: string; width: number; path: string }[]} */
const photos = JSON.parse(process.argv[2] ?? '[]');
const seconds = Number(process.argv[3] ?? '10');
const models = await loadModels({ threads: 1 });
const results = {};
for (const width of [...new Set(photos.map((p) => p.width))]) {
  const set = await Promise.all(photos.filter((p) => p.width === width).map(async (p) => ({ ...p, bytes: await readFile(p.path) })));
  const faces = {};
  for (const p of set) faces[p.name] = (await analyzeImage(p.bytes, models)).faces.length; // warm-up and counts
  let images = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (const p of set) await analyzeImage(p.bytes, models);
    images += set.length;
  }
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMsPerImage = (cpu.user + cpu.system) / 1000 / images;
  const renderStart = performance.now();
  for (const p of set) await analyzeImage(p.bytes, models, { annotate: 'jpeg' });
  const annotatedMs = (performance.now() - renderStart) / set.length;
  results[width] = { msPerImage: elapsed / images, cpuMsPerImage, imagesPerSecond: (images * 1000) / elapsed, faces, annotatedMs };
}
// Peak memory of the timed group photos, before the portraits (some are larger originals).
const peakRssMb = process.resourceUsage().maxRSS / 1024;
// The emotion of the largest face in each labelled portrait.
const portraits = {};
for (const p of JSON.parse(process.argv[4] ?? '[]')) {
  const faces = (await analyzeImage(await readFile(p.path), models)).faces;
  const largest = faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
  portraits[p.name] = largest?.emotion ?? null;
}
await models.close();
console.log(JSON.stringify({ results, portraits, peakRssMb }));
