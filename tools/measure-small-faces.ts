// Small-face recall of detectFaces: each group photo of <shared>/photos is shrunk so that its median face is F px
// wide and centred on a grey canvas (JPEG, quality 92), then detected with each option set given as JSON.
// Prints faces found (at most the README count per photo), extra boxes, and the CPU ms of detectFaces per photo.
// Run from the repository root:
//   npx tsx tools/measure-small-faces.ts [--canvas 1024x683] [--faces 20,24,28] [--working 2048] ['{"secondLook":false}' ...]
// --working is decode's maxWorkingSide: the canvas is scaled down to it before detection, as photos are.
import { readFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadFaceDetector } from '../src/models/face-detector.js';
import { DECODE_DEFAULTS, decodeImage } from '../src/pipeline/decode.js';
import { detectFaces, type DetectOptions } from '../src/pipeline/detect.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    canvas: { type: 'string', default: '1024x683' },
    faces: { type: 'string', default: '20,24,28' },
    working: { type: 'string', default: String(DECODE_DEFAULTS.maxWorkingSide) },
  },
});
const canvasSize = /^(\d+)x(\d+)$/.exec(values.canvas ?? '');
if (!canvasSize) throw new Error(`--canvas must be WIDTHxHEIGHT, got ${values.canvas}`);
const canvasWidth = Number(canvasSize[1]);
const canvasHeight = Number(canvasSize[2]);
const faceWidths = (values.faces ?? '').split(',').map(Number);
const configs: DetectOptions[] = positionals.length > 0 ? positionals.map((p) => JSON.parse(p) as DetectOptions) : [{}];
const photosDir = join(process.env.VISAGE_SHARED_DIR ?? join(process.cwd(), '..', 'shared'), 'photos');
const groups = readdirSync(photosDir).filter((f) => f.startsWith('multi-')).sort();

const detector = await loadFaceDetector({ threads: 1 });
const deps = { detector };

/** The photo shrunk so its median face (as detected at full size) is `face` px wide, on the grey canvas. */
async function shrunkCanvas(bytes: Buffer, medianFace: number, width: number, face: number): Promise<Buffer | undefined> {
  const small = await sharp(bytes).rotate().resize(Math.min(canvasWidth, Math.round((width * face) / medianFace))).toBuffer();
  const meta = await sharp(small).metadata();
  if ((meta.height ?? 0) > canvasHeight) return undefined;
  return sharp({ create: { width: canvasWidth, height: canvasHeight, channels: 3, background: '#777777' } })
    .composite([{ input: small, left: Math.round((canvasWidth - (meta.width ?? 0)) / 2), top: Math.round((canvasHeight - (meta.height ?? 0)) / 2) }])
    .jpeg({ quality: 92 })
    .toBuffer();
}

for (const face of faceWidths) {
  const totals = configs.map(() => ({ found: 0, extra: 0, cpuMs: 0 }));
  let expected = 0;
  let photos = 0;
  for (const name of groups) {
    const bytes = await readFile(join(photosDir, name));
    const { image } = await decodeImage(bytes);
    const widths = (await detectFaces(image, {}, deps)).map((f) => f.box.width).sort((a, b) => a - b);
    const median = widths[widths.length >> 1];
    if (median === undefined) continue;
    const jpeg = await shrunkCanvas(bytes, median, image.width, face);
    if (jpeg === undefined) continue;
    const { image: canvas } = await decodeImage(jpeg, { maxWorkingSide: Number(values.working) });
    const want = Number(/^multi-(\d+)faces-/.exec(name)?.[1]);
    expected += want;
    photos++;
    for (const [i, options] of configs.entries()) {
      const start = process.cpuUsage();
      const found = (await detectFaces(canvas, options, deps)).length;
      const used = process.cpuUsage(start);
      const total = totals[i];
      if (total === undefined) continue;
      total.found += Math.min(want, found);
      total.extra += Math.max(0, found - want);
      total.cpuMs += (used.user + used.system) / 1000;
    }
  }
  const parts = configs.map((c, i) => {
    const t = totals[i];
    return `${JSON.stringify(c)}: ${t?.found}/${expected} found, ${t?.extra} extra, ${((t?.cpuMs ?? 0) / photos).toFixed(0)} ms CPU/photo`;
  });
  console.log(`faces ~${face} px in ${canvasWidth}x${canvasHeight} (${photos} photos): ${parts.join('; ')}`);
}
await detector.session.release();
