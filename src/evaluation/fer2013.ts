// Reads FER2013's CSV layout (header `emotion,pixels,Usage`, 2304 space-separated gray values per row), plain or
// gzip-compressed, as a stream: the file is 300 MB uncompressed and only one split is needed at a time.
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { VisageError } from '../errors.js';
import { EMOTIONS, type Emotion } from '../pipeline/types.js';

export const FER_SPLITS = ['Training', 'PublicTest', 'PrivateTest'] as const;
export type FerSplit = (typeof FER_SPLITS)[number];
export const FER_SIZE = 48;

export interface FerFace {
  row: number;
  label: Emotion;
  pixels: Uint8Array;
}

export async function* readFer2013(path: string, split: FerSplit): AsyncGenerator<FerFace> {
  try {
    await access(path);
  } catch {
    throw new VisageError('VSG_INPUT_NOT_FOUND', `The FER2013 file ${path} does not exist or cannot be read.`);
  }
  const raw = createReadStream(path);
  const stream = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  let columns: { emotion: number; pixels: number; usage: number } | undefined;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      const cells = line.split(',');
      if (columns === undefined) {
        const names = cells.map((c) => c.trim());
        columns = { emotion: names.indexOf('emotion'), pixels: names.indexOf('pixels'), usage: names.indexOf('Usage') };
        if (Object.values(columns).some((i) => i < 0)) throw badData(path, lineNo, `header must name emotion, pixels and Usage; found "${line.slice(0, 80)}"`);
        continue;
      }
      if (cells[columns.usage]?.trim() !== split) continue;
      const label = EMOTIONS[Number(cells[columns.emotion])];
      if (label === undefined) throw badData(path, lineNo, `emotion must be 0-6; found "${cells[columns.emotion]}"`);
      const values = (cells[columns.pixels] ?? '').trim().split(' ');
      if (values.length !== FER_SIZE * FER_SIZE) throw badData(path, lineNo, `expected ${FER_SIZE * FER_SIZE} pixels; found ${values.length}`);
      const pixels = Uint8Array.from(values, Number);
      yield { row: lineNo - 2, label, pixels };
    }
  } catch (error) {
    if (error instanceof VisageError) throw error;
    throw badData(path, lineNo, error instanceof Error ? error.message : String(error));
  } finally {
    lines.close();
    raw.destroy();
  }
  if (columns === undefined) throw badData(path, lineNo, 'the file is empty');
}

function badData(path: string, line: number, detail: string): VisageError {
  return new VisageError('VSG_DATA_INVALID', `${path} line ${line} is not in FER2013's CSV layout: ${detail}.`);
}
