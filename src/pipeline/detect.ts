// Stage: find the faces in an upright RGB image.
// A first pass sees the whole image at about the detector's training size (big and medium faces, fast). A large
// image also gets a detail pass at a higher resolution, where small faces become big enough for the detector;
// that pass keeps only small boxes so close-ups cannot split into parts. Boxes from both passes are merged by NMS.
// Last, small boxes that scored below the threshold get a second look: a few zoomed tiles around them, batched in one
// run, confirm the real faces (about 20 px wide) at a size the detector knows, at a fraction of an upscaled pass.
import sharp from 'sharp';
import { invalidOption } from '../errors.js';
import { runDetector, type FaceDetectorModel } from '../models/face-detector.js';
import { resampleInto } from './resample.js';
import type { Box, DetectedFace, RgbImage } from './types.js';

export interface DetectOptions {
  /** Smallest detector score a face needs (0..1); default: the model sidecar's scoreThreshold. */
  minScore?: number;
  /** At most this many faces, the best scores first (default 100). */
  maxFaces?: number;
  /** Longest side, in detector pixels, of the whole-image pass (default 512, the detector's training size). */
  passSide?: number;
  /** Longest side of the detail pass for large images; 0 turns it off (default 1024). */
  detailSide?: number;
  /** Zoom in on small boxes that scored just below the threshold (default true). */
  secondLook?: boolean;
}

export interface DetectDeps {
  detector: FaceDetectorModel;
}

interface ResolvedOptions {
  minScore: number;
  maxFaces: number;
  passSide: number;
  detailSide: number;
  secondLook: boolean;
  nmsIou: number;
}

/** One resized view of (a region of) the image fed to the detector; `scale` is detector pixels per source pixel. */
interface Pass {
  /** The part of the image this pass sees, in source pixels (integers). */
  region: Box;
  scale: number;
  width: number;
  height: number;
  inputWidth: number;
  inputHeight: number;
  /** Keep only boxes at most this wide in detector pixels (Infinity: keep all). */
  maxBoxPx: number;
}

const DEFAULT_MAX_FACES = 100;
const DEFAULT_PASS_SIDE = 512;
const DEFAULT_DETAIL_SIDE = 1024;
// Below this width (detector pixels) boxes are printed faces on posters, cut-outs and noise, never people we can read.
const MIN_BOX_PX = 16;
// The detail pass runs only when the whole-image pass shrank the image by more than this factor.
const DETAIL_MIN_GAIN = 1.5;
// Letterbox padding is mid-grey (0 after the model's normalisation), the least face-like value.
const PAD_GREY = 128;
// Boxes only the detail pass sees need this much more score: upscaled photos show printed faces (posters,
// cut-outs) big enough to pass there at 0.5-0.56, while real faces scored 0.7 and more on the dev photos.
const DETAIL_EXTRA_SCORE = 0.1;
// A box lying mostly inside a better one is a part of the same face (a close-up seen at two scales).
const CONTAINED_FRACTION = 0.7;
// Second look: boxes below the threshold but at least ZOOM_MIN_SCORE, narrower than ZOOM_MAX_BOX_PX in their pass, are
// seen again in a ZOOM_INPUT_PX tile where the face is about ZOOM_FACE_PX wide, and kept only if the tile confirms
// them with a detail-pass score. Group photos shrunk so faces are 20/24/28 px wide in a 1024-px canvas
// (tools/measure-small-faces.ts): 27/29/29 of 35 faces found without it, 32/34/35 with it; no count changed on the 22
// dev photos or the 14 benchmark photos (test/pipeline/detect.test.ts checks one such photo). A 128-px tile (the face
// a third of it) confirms the same faces as a 256-px one at a quarter of the pixels: 8 tiles cost 15 ms, not 54.
const ZOOM_MIN_SCORE = 0.1;
const ZOOM_MAX_BOX_PX = 56;
const ZOOM_INPUT_PX = 128;
const ZOOM_FACE_PX = 48;
const ZOOM_MAX_SCALE = 4;
const ZOOM_MAX_TILES = 8;
// A zoomed tile makes printed faces look real too: a poster face in the Elvis-shop photo reached 0.60 zoomed in, so a
// second-look box needs more than a detail-pass box; at 0.7 every face counted above was still confirmed.
const ZOOM_EXTRA_SCORE = 0.2;

export function resolveDetectOptions(options: DetectOptions, model: FaceDetectorModel): ResolvedOptions {
  const { minScore, maxFaces, passSide, detailSide, secondLook } = options;
  const multiple = model.sidecar.sizeMultiple;
  if (minScore !== undefined && (typeof minScore !== 'number' || !(minScore > 0 && minScore < 1))) {
    throw invalidOption('minScore', 'a number greater than 0 and less than 1', minScore);
  }
  if (maxFaces !== undefined && (!Number.isInteger(maxFaces) || maxFaces < 1 || maxFaces > 1000)) {
    throw invalidOption('maxFaces', 'an integer from 1 to 1000', maxFaces);
  }
  if (passSide !== undefined && (!Number.isInteger(passSide) || passSide < 128 || passSide > 2048 || passSide % multiple !== 0)) {
    throw invalidOption('passSide', `a multiple of ${multiple} from 128 to 2048`, passSide);
  }
  const side = passSide ?? DEFAULT_PASS_SIDE;
  if (detailSide !== undefined && detailSide !== 0 && (!Number.isInteger(detailSide) || detailSide <= side || detailSide > 4096 || detailSide % multiple !== 0)) {
    throw invalidOption('detailSide', `0 or a multiple of ${multiple} above passSide (${side}) up to 4096`, detailSide);
  }
  if (secondLook !== undefined && typeof secondLook !== 'boolean') throw invalidOption('secondLook', 'true or false', secondLook);
  return {
    secondLook: secondLook ?? true,
    minScore: minScore ?? model.sidecar.defaults.scoreThreshold,
    maxFaces: maxFaces ?? DEFAULT_MAX_FACES,
    passSide: side,
    detailSide: detailSide ?? DEFAULT_DETAIL_SIDE,
    nmsIou: model.sidecar.defaults.nmsIou,
  };
}

function makePass(width: number, height: number, scale: number, multiple: number, maxBoxPx: number): Pass {
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const up = (n: number): number => Math.ceil(n / multiple) * multiple;
  return { region: { x: 0, y: 0, width, height }, scale, width: w, height: h, inputWidth: up(w), inputHeight: up(h), maxBoxPx };
}

/** A ZOOM_INPUT_PX tile centred on a doubtful small box, scaled so the face would be about ZOOM_FACE_PX wide. */
function planZoom(box: Box, imageWidth: number, imageHeight: number): Pass {
  const scale = Math.min(ZOOM_MAX_SCALE, ZOOM_FACE_PX / Math.max(1, box.width));
  const side = Math.floor(ZOOM_INPUT_PX / scale);
  const place = (centre: number, size: number): [number, number] => {
    const length = Math.min(side, size);
    return [Math.min(Math.max(0, Math.round(centre - length / 2)), size - length), length];
  };
  const [x, width] = place(box.x + box.width / 2, imageWidth);
  const [y, height] = place(box.y + box.height / 2, imageHeight);
  const w = Math.min(ZOOM_INPUT_PX, Math.max(1, Math.round(width * scale)));
  const h = Math.min(ZOOM_INPUT_PX, Math.max(1, Math.round(height * scale)));
  return { region: { x, y, width, height }, scale, width: w, height: h, inputWidth: ZOOM_INPUT_PX, inputHeight: ZOOM_INPUT_PX, maxBoxPx: Infinity };
}

/** The passes for an image of this size: always the whole image, plus a detail pass when it is large. */
export function planPasses(width: number, height: number, opts: ResolvedOptions, multiple: number): Pass[] {
  const longest = Math.max(width, height);
  const first = makePass(width, height, opts.passSide / longest, multiple, Infinity);
  const passes = [first];
  const detailScale = Math.min(1, opts.detailSide / longest);
  if (opts.detailSide > 0 && detailScale / first.scale > DETAIL_MIN_GAIN) {
    // Faces wider than this were already about MIN_BOX_PX*3 wide in the first pass, where they are seen whole.
    const maxBoxPx = (3 * MIN_BOX_PX * detailScale) / first.scale;
    passes.push(makePass(width, height, detailScale, multiple, maxBoxPx));
  }
  return passes;
}

/** The detector input of a pass: its region resized to width x height, padded grey to the input size. */
async function renderPass(image: RgbImage, pass: Pass): Promise<Uint8Array> {
  const { region } = pass;
  const whole = region.width === image.width && region.height === image.height;
  const source = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  const { data } = await (whole ? source : source.extract({ left: region.x, top: region.y, width: region.width, height: region.height }))
    .resize(pass.width, pass.height, { fit: 'fill' })
    .extend({
      right: pass.inputWidth - pass.width,
      bottom: pass.inputHeight - pass.height,
      background: { r: PAD_GREY, g: PAD_GREY, b: PAD_GREY },
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * Second-look tiles, packed for one batched run: each region resampled in JavaScript (bilinear, see resample.ts)
 * into the top-left of a grey ZOOM_INPUT_PX square.
 */
function renderTiles(image: RgbImage, tiles: readonly Pass[]): Uint8Array {
  const tileBytes = ZOOM_INPUT_PX * ZOOM_INPUT_PX * 3;
  const pixels = new Uint8Array(tiles.length * tileBytes).fill(PAD_GREY);
  tiles.forEach((tile, i) => {
    const { region } = tile;
    const grid = {
      centerX: region.x + region.width / 2,
      centerY: region.y + region.height / 2,
      angle: 0,
      width: tile.width,
      height: tile.height,
      stepX: region.width / tile.width,
      stepY: region.height / tile.height,
    };
    resampleInto(image, grid, pixels.subarray(i * tileBytes), 3, ZOOM_INPUT_PX * 3);
  });
  return pixels;
}

/** Candidate boxes of one pass, in source pixels, clipped to the image. */
function collectCandidates(
  boxes: Float32Array,
  scores: Float32Array,
  offset: number,
  count: number,
  pass: Pass,
  image: RgbImage,
  minScore: number,
): DetectedFace[] {
  const found: DetectedFace[] = [];
  for (let i = 0; i < count; i++) {
    const score = scores[offset + i] ?? 0;
    if (score < minScore) continue;
    const b = (offset + i) * 4;
    const x1 = (boxes[b] ?? 0) * pass.inputWidth;
    const y1 = (boxes[b + 1] ?? 0) * pass.inputHeight;
    const x2 = (boxes[b + 2] ?? 0) * pass.inputWidth;
    const y2 = (boxes[b + 3] ?? 0) * pass.inputHeight;
    const sizePx = Math.min(x2 - x1, y2 - y1);
    if (sizePx < MIN_BOX_PX || x2 - x1 > pass.maxBoxPx) continue;
    // A box centred in the letterbox padding is not about the image.
    if ((x1 + x2) / 2 >= pass.width || (y1 + y2) / 2 >= pass.height) continue;
    const { x, y } = pass.region;
    const box = clipBox(x + x1 / pass.scale, y + y1 / pass.scale, x + x2 / pass.scale, y + y2 / pass.scale, image);
    if (box.width > 0 && box.height > 0) found.push({ box, score });
  }
  return found;
}

function clipBox(x1: number, y1: number, x2: number, y2: number, image: RgbImage): Box {
  const left = Math.max(0, x1);
  const top = Math.max(0, y1);
  const right = Math.min(image.width, x2);
  const bottom = Math.min(image.height, y2);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Greedy NMS, best score first; also drops a box mostly contained in a kept one. */
export function suppressOverlaps(faces: readonly DetectedFace[], iou: number, maxFaces: number): DetectedFace[] {
  const sorted = [...faces].sort((a, b) => b.score - a.score);
  const kept: DetectedFace[] = [];
  for (const face of sorted) {
    if (kept.length >= maxFaces) break;
    const area = face.box.width * face.box.height;
    const clash = kept.some((k) => {
      const inter = overlapArea(face.box, k.box);
      const keptArea = k.box.width * k.box.height;
      return inter / (area + keptArea - inter) > iou || inter / Math.min(area, keptArea) > CONTAINED_FRACTION;
    });
    if (!clash) kept.push(face);
  }
  return kept;
}

/**
 * Finds faces in `image`. Boxes are in source pixels, clipped to the image, best score first.
 */
export async function detectFaces(image: RgbImage, options: DetectOptions, deps: DetectDeps): Promise<DetectedFace[]> {
  const opts = resolveDetectOptions(options, deps.detector);
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`detectFaces: image data has ${image.data.length} bytes, expected ${image.width}x${image.height}x3`);
  }
  const passes = planPasses(image.width, image.height, opts, deps.detector.sidecar.sizeMultiple);
  // All resizes start at once on sharp's threads; the first pass runs while the larger detail view is still being
  // resized (about 4 ms less per 1920-px photo than waiting for both).
  const rendered = passes.map((pass) => renderPass(image, pass));
  rendered.forEach((p) => p.catch(() => undefined)); // awaited below; a failure is thrown there, not left unhandled
  const candidates: DetectedFace[] = [];
  const doubtful: DetectedFace[] = [];
  for (const [i, pass] of passes.entries()) {
    const pixels = await rendered[i];
    if (pixels === undefined) continue;
    const out = await runDetector(deps.detector, pixels, { tiles: 1, height: pass.inputHeight, width: pass.inputWidth });
    const minScore = passMinScore(pass, opts);
    const seen = collectCandidates(out.boxes, out.scores, 0, out.anchorCount, pass, image, Math.min(minScore, ZOOM_MIN_SCORE));
    for (const face of seen) {
      if (face.score >= minScore) candidates.push(face);
      else if (face.box.width * pass.scale < ZOOM_MAX_BOX_PX) doubtful.push(face);
    }
  }
  const found = suppressOverlaps(candidates, opts.nmsIou, opts.maxFaces);
  if (!opts.secondLook || found.length >= opts.maxFaces) return found;
  const confirmed = await secondLook(image, found, doubtful, opts, deps.detector);
  return confirmed.length === 0 ? found : suppressOverlaps([...found, ...confirmed], opts.nmsIou, opts.maxFaces);
}

/** The score a box of this pass needs: detail-only boxes need DETAIL_EXTRA_SCORE more. */
function passMinScore(pass: Pass, opts: ResolvedOptions): number {
  return pass.maxBoxPx === Infinity ? opts.minScore : detailMinScore(opts);
}

function detailMinScore(opts: ResolvedOptions): number {
  return Math.max(opts.minScore, Math.min(0.95, opts.minScore + DETAIL_EXTRA_SCORE));
}

/**
 * Zooms in on the best doubtful boxes that no found face covers, all tiles in one batched run, and keeps a box
 * only where the zoomed view finds a face of about the same place and size with a detail-pass score.
 */
async function secondLook(
  image: RgbImage,
  found: readonly DetectedFace[],
  doubtful: readonly DetectedFace[],
  opts: ResolvedOptions,
  detector: FaceDetectorModel,
): Promise<DetectedFace[]> {
  const open = suppressOverlaps(doubtful, opts.nmsIou, doubtful.length).filter(
    (d) => !found.some((f) => overlapArea(d.box, f.box) > 0),
  );
  const targets = open.slice(0, ZOOM_MAX_TILES);
  if (targets.length === 0) return [];
  const tiles = targets.map((t) => planZoom(t.box, image.width, image.height));
  const pixels = renderTiles(image, tiles);
  const out = await runDetector(detector, pixels, { tiles: tiles.length, height: ZOOM_INPUT_PX, width: ZOOM_INPUT_PX });
  const minScore = Math.max(opts.minScore, Math.min(0.95, opts.minScore + ZOOM_EXTRA_SCORE));
  const confirmed: DetectedFace[] = [];
  for (const [i, tile] of tiles.entries()) {
    const target = targets[i];
    if (target === undefined) continue;
    const seen = collectCandidates(out.boxes, out.scores, i * out.anchorCount, out.anchorCount, tile, image, minScore);
    const match = seen
      .filter((face) => sameFace(face.box, target.box))
      .sort((a, b) => b.score - a.score)[0];
    if (match !== undefined) confirmed.push(match);
  }
  return confirmed;
}

/** The zoomed box is the doubtful one seen better: centre inside it, width within a factor of two. */
function sameFace(zoomed: Box, doubtful: Box): boolean {
  const cx = zoomed.x + zoomed.width / 2;
  const cy = zoomed.y + zoomed.height / 2;
  const ratio = zoomed.width / Math.max(1, doubtful.width);
  return cx >= doubtful.x && cx <= doubtful.x + doubtful.width && cy >= doubtful.y && cy <= doubtful.y + doubtful.height && ratio >= 0.5 && ratio <= 2;
}
