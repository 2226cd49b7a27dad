// The confusion matrix as a picture (SVG, or PNG through sharp): rows are true labels, cells show counts and the
// row percentage, shaded by the row percentage in one hue so that it reads in grey too.
import sharp from 'sharp';
import { EMOTIONS } from '../pipeline/types.js';
import type { EvalMetrics } from './metrics.js';

export function confusionSvg(metrics: Pick<EvalMetrics, 'confusion' | 'accuracy' | 'n'>, title: string): string {
  const cell = 64;
  const left = 110;
  const top = 80;
  const size = cell * EMOTIONS.length;
  const parts: string[] = [
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${left}" y="28" font-size="18" font-weight="bold">${title} — accuracy ${(metrics.accuracy * 100).toFixed(2)}% (n=${metrics.n})</text>`,
    `<text x="${left + size / 2}" y="${top - 30}" font-size="14" text-anchor="middle">predicted</text>`,
  ];
  EMOTIONS.forEach((name, i) => {
    parts.push(`<text x="${left + i * cell + cell / 2}" y="${top - 8}" font-size="12" text-anchor="middle">${name}</text>`);
    parts.push(`<text x="${left - 8}" y="${top + i * cell + cell / 2 + 4}" font-size="12" text-anchor="end">${name}</text>`);
  });
  metrics.confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, j) => {
      const share = count / total;
      const shade = Math.round(255 - share * 200);
      const ink = share > 0.5 ? '#ffffff' : '#111111';
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#888"/>`,
        `<text x="${x + cell / 2}" y="${y + 28}" font-size="14" text-anchor="middle" fill="${ink}">${count}</text>`,
        `<text x="${x + cell / 2}" y="${y + 46}" font-size="11" text-anchor="middle" fill="${ink}">${(share * 100).toFixed(0)}%</text>`,
      );
    });
  });
  parts.push(`<text x="20" y="${top + size / 2}" font-size="14" transform="rotate(-90 20 ${top + size / 2})" text-anchor="middle">true</text>`);
  const width = left + size + 20;
  const height = top + size + 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">${parts.join('')}</svg>`;
}

export async function confusionPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}
