// Stage 6: draw the answer on the photo. Each face gets its number, a box, the emotion word and a drawn emoji, so
// colour is never the only cue. Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
// deficiencies); every mark has a dark outline and labels sit on a dark plate, so they read on light and dark photos.
// Emoji are drawn as vector shapes rather than font glyphs, so they look the same on every machine.
import sharp from 'sharp';
import { invalidOption } from '../errors.js';
import { EMOTION_WORDS } from './describe.js';
import type { Box, Emotion, FaceResult, RgbImage } from './types.js';

export type AnnotationFormat = 'png' | 'jpeg';

export const EMOTION_COLOURS: Readonly<Record<Emotion, string>> = Object.freeze({
  angry: '#D55E00',
  disgust: '#009E73',
  fear: '#CC79A7',
  happy: '#E69F00',
  sad: '#0072B2',
  surprise: '#56B4E9',
  neutral: '#BBBBBB',
});

// Features of each drawn emoji on a face of radius 1 centred at 0,0 (SVG path data; y grows downwards).
const EMOJI_FEATURES: Readonly<Record<Emotion, string>> = Object.freeze({
  angry: 'M-0.6,-0.45 L-0.15,-0.2 M0.6,-0.45 L0.15,-0.2 M-0.4,0.5 Q0,0.25 0.4,0.5',
  disgust: 'M-0.55,-0.2 L-0.2,-0.2 M0.2,-0.2 L0.55,-0.2 M-0.45,0.45 Q-0.2,0.25 0,0.45 Q0.2,0.65 0.45,0.45',
  fear: 'M-0.6,-0.5 Q-0.35,-0.75 -0.15,-0.5 M0.15,-0.5 Q0.35,-0.75 0.6,-0.5 M-0.35,0.55 Q0,0.2 0.35,0.55 Z',
  happy: 'M-0.5,0.2 Q0,0.75 0.5,0.2',
  sad: 'M-0.45,0.6 Q0,0.2 0.45,0.6 M-0.55,-0.45 L-0.2,-0.6 M0.55,-0.45 L0.2,-0.6',
  surprise: 'M-0.6,-0.55 Q-0.35,-0.8 -0.1,-0.55 M0.1,-0.55 Q0.35,-0.8 0.6,-0.55',
  neutral: 'M-0.4,0.4 L0.4,0.4',
});

function emojiSvg(emotion: Emotion, cx: number, cy: number, r: number): string {
  const eyeR = emotion === 'surprise' || emotion === 'fear' ? 0.16 : 0.11;
  const eyes = emotion === 'disgust' ? '' : `<circle cx="-0.33" cy="-0.15" r="${eyeR}"/><circle cx="0.33" cy="-0.15" r="${eyeR}"/>`;
  const mouth = emotion === 'surprise' ? '<ellipse cx="0" cy="0.45" rx="0.18" ry="0.25"/>' : '';
  return (
    `<g transform="translate(${fmt(cx)},${fmt(cy)}) scale(${fmt(r)})">` +
    `<circle r="0.95" fill="#FFD54F" stroke="#1A1A1A" stroke-width="0.1"/>` +
    `<g fill="#1A1A1A">${eyes}${mouth}</g>` +
    `<path d="${EMOJI_FEATURES[emotion]}" fill="none" stroke="#1A1A1A" stroke-width="0.12" stroke-linecap="round"/>` +
    `</g>`
  );
}

function fmt(n: number): string {
  return (Math.round(n * 100) / 100).toString();
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The overlay for an image of width x height with boxes in those pixels. */
export type AnnotatedFace = Pick<FaceResult, 'number' | 'emotion' | 'box'> & { alternative?: FaceResult['alternative'] };

/** One face's marks in image coordinates, and the integer region of the image they cover. */
interface Layer {
  bounds: Box;
  svg: string;
}

function annotationLayers(width: number, height: number, faces: readonly AnnotatedFace[]): Layer[] {
  const base = Math.min(width, height);
  const stroke = Math.max(2, Math.round(base / 250));
  const font = Math.max(13, Math.round(base / 40));
  const pad = Math.round(font * 0.3);
  const plateH = font + 2 * pad;
  const layers: Layer[] = [];
  const plates: Box[] = [];
  for (const face of faces) {
    const others = faces.filter((f) => f !== face).map((f) => f.box);
    const { x, y, width: w, height: h } = face.box;
    const colour = EMOTION_COLOURS[face.emotion];
    // A question mark when the runner-up is close: the picture is as honest as the sentence.
    const label = `${face.number} ${EMOTION_WORDS[face.emotion]}${face.alternative === undefined ? '' : '?'}`;
    // DejaVu Sans Bold averages about 0.62 em per character; the emoji takes one line height.
    const plateW = Math.round(label.length * font * 0.62 + plateH + 3 * pad);
    const plate = placePlate(face.box, plateW, plateH, width, height, [...plates, ...others]);
    plates.push({ ...plate, width: plateW, height: plateH });
    const parts = [
      `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(w)}" height="${fmt(h)}" fill="none" stroke="#111" stroke-opacity="0.85" stroke-width="${stroke + 2}"/>`,
      `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(w)}" height="${fmt(h)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`,
      `<rect x="${fmt(plate.x)}" y="${fmt(plate.y)}" width="${plateW}" height="${plateH}" rx="${pad}" fill="#1A1A1A" fill-opacity="0.88" stroke="${colour}" stroke-width="${Math.max(1, stroke / 2)}"/>`,
      emojiSvg(face.emotion, plate.x + pad + plateH / 2 - pad, plate.y + plateH / 2, (plateH - 2 * pad) / 2 + 1),
      `<text x="${fmt(plate.x + plateH + pad)}" y="${fmt(plate.y + pad + font * 0.85)}" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${font}" fill="#FFFFFF">${escapeXml(label)}</text>`,
    ];
    const reach = stroke + 2;
    const left = Math.max(0, Math.floor(Math.min(x - reach, plate.x - 1)));
    const top = Math.max(0, Math.floor(Math.min(y - reach, plate.y - 1)));
    const right = Math.min(width, Math.ceil(Math.max(x + w + reach, plate.x + plateW + 1)));
    const bottom = Math.min(height, Math.ceil(Math.max(y + h + reach, plate.y + plateH + 1)));
    layers.push({ bounds: { x: left, y: top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) }, svg: parts.join('') });
  }
  return layers;
}

/** The whole overlay as one SVG document of the image's size (boxes in the image's pixels). */
export function annotationSvg(width: number, height: number, faces: readonly AnnotatedFace[]): string {
  const body = annotationLayers(width, height, faces).map((l) => l.svg).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`;
}

/**
 * Puts a label next to its box: above, below, or inside the top edge, aligned to the box's left or right side,
 * taking the first place that stays inside the image and covers no earlier label or other face (else the least
 * covered one).
 */
function placePlate(box: Box, w: number, h: number, width: number, height: number, taken: readonly Box[]): { x: number; y: number } {
  const clampX = (x: number) => Math.min(Math.max(0, x), Math.max(0, width - w));
  const clampY = (y: number) => Math.min(Math.max(0, y), Math.max(0, height - h));
  const ys = [box.y - h - 2, box.y + box.height + 2, box.y + 2];
  const xs = [box.x, box.x + box.width - w];
  const candidates = ys.flatMap((y) => xs.map((x) => ({ x, y, inside: y >= 0 && y + h <= height })));
  let best = { x: clampX(box.x), y: clampY(ys[0] ?? 0) };
  let bestCost = Infinity;
  for (const [i, c] of candidates.entries()) {
    const spot = { x: clampX(c.x), y: clampY(c.y) };
    const overlap = taken.reduce((sum, t) => sum + overlapArea({ ...spot, width: w, height: h }, t), 0);
    // Prefer, in order: no overlap, inside the image, the earlier candidate.
    const cost = overlap * 1000 + (c.inside ? 0 : 100) + i;
    if (cost < bestCost) {
      best = spot;
      bestCost = cost;
    }
  }
  return best;
}

function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

export interface RenderOptions {
  format: AnnotationFormat;
  /** JPEG quality. */
  quality?: number;
}

/** Draws faces (boxes in the image's own pixels) on the image and encodes it. */
export async function renderAnnotated(
  image: RgbImage,
  faces: readonly AnnotatedFace[],
  options: RenderOptions,
): Promise<Buffer> {
  if (options.format !== 'png' && options.format !== 'jpeg') throw invalidOption('format', '"png" or "jpeg"', options.format);
  const quality = options.quality ?? 88;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw invalidOption('quality', 'an integer from 1 to 100', quality);
  // Each face's marks are rasterised only over the region they cover: a whole-photo SVG canvas costs most of
  // the render time on large photos.
  const overlays = annotationLayers(image.width, image.height, faces).map(({ bounds: b, svg }) => ({
    input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${b.width}" height="${b.height}" viewBox="${b.x} ${b.y} ${b.width} ${b.height}">${svg}</svg>`),
    left: b.x,
    top: b.y,
  }));
  const pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).composite(overlays);
  return options.format === 'png' ? pipeline.png({ compressionLevel: 6 }).toBuffer() : pipeline.jpeg({ quality, mozjpeg: false }).toBuffer();
}
