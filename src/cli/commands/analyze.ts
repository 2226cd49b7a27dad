// `visage analyze <file|directory|url>...`: every face's emotion in plain words, or one JSON line per image.
// An input that fails prints its error and the others carry on; the exit code reports the first failure.
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { VisageError, isVisageError } from '../../errors.js';
import { loadConfig } from '../../config.js';
import { fetchImage } from '../../net/fetch-image.js';
import { analyzeImage, loadModels, toAnalysisJson, type AnalysisOutput } from '../../pipeline/analyse.js';
import { parseFlags } from '../args.js';
import { createProgress } from '../progress.js';
import type { CliCommand } from '../types.js';

const USAGE = 'visage analyze <file|directory|url>... [--json] [--annotate <file-or-dir>] [--models <dir>]';

interface Input {
  source: string;
  kind: 'file' | 'url';
}

export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: 'Find every face in photos and name each emotion.',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, { json: { type: 'boolean' }, annotate: { type: 'string' }, models: { type: 'string' } }, USAGE);
    if (positionals.length === 0) throw new VisageError('VSG_OPTION_INVALID', `Give at least one photo, folder or link.\nUsage: ${USAGE}`);
    const config = loadConfig({ env: io.env });
    const inputs = await expandInputs(positionals, io.cwd);
    const annotateTarget = values.annotate === undefined ? undefined : await annotationTarget(resolve(io.cwd, values.annotate), inputs.length);
    const models = await loadModels(values.models === undefined ? {} : { modelDir: resolve(io.cwd, values.models) });
    const progress = createProgress(io.stderr, inputs.length, io.isTTY && values.json !== true, 'Analysing');
    let exitCode = 0;
    try {
      for (const [i, input] of inputs.entries()) {
        try {
          const bytes = await readInput(input, config.fetch);
          const format = annotateTarget === undefined ? undefined : annotationFormat(annotateTarget);
          const analysis = await analyzeImage(bytes, models, { maxPixels: config.limits.maxPixels, ...(format === undefined ? {} : { annotate: format }) });
          if (annotateTarget !== undefined && analysis.annotated !== undefined) {
            await writeFile(annotationPath(annotateTarget, input), analysis.annotated.data);
          }
          io.stdout.write(values.json === true ? `${JSON.stringify(toAnalysisJson(input.source, analysis))}\n` : formatText(input.source, analysis));
        } catch (error) {
          if (!isVisageError(error)) throw error;
          if (exitCode === 0) exitCode = error.exitCode;
          io.stdout.write(values.json === true ? `${JSON.stringify({ source: input.source, error: error.toJSON() })}\n` : `${input.source}: error ${error.code}: ${error.message}\n\n`);
        }
        progress.tick(i + 1);
      }
    } finally {
      progress.end();
      await models.close();
    }
    return exitCode;
  },
};

async function expandInputs(items: string[], cwd: string): Promise<Input[]> {
  const inputs: Input[] = [];
  for (const item of items) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(item)) {
      inputs.push({ source: item, kind: 'url' });
      continue;
    }
    const path = resolve(cwd, item);
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) {
      // Every regular file in the folder, in name order; non-images report their own error.
      const names = (await readdir(path, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => d.name).sort();
      inputs.push(...names.map((name) => ({ source: join(item, name), kind: 'file' as const })));
    } else {
      inputs.push({ source: item, kind: 'file' });
    }
  }
  return inputs;
}

async function readInput(input: Input, fetch: ReturnType<typeof loadConfig>['fetch']): Promise<Uint8Array> {
  if (input.kind === 'url') return (await fetchImage(input.source, fetch)).bytes;
  try {
    return await readFile(input.source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VisageError('VSG_INPUT_NOT_FOUND', `${input.source} does not exist.`);
    if (code === 'EISDIR' || code === 'EACCES') throw new VisageError('VSG_INPUT_NOT_FOUND', `${input.source} cannot be read (${code}).`);
    throw error;
  }
}

interface AnnotationTarget {
  path: string;
  isDir: boolean;
}

async function annotationTarget(path: string, count: number): Promise<AnnotationTarget> {
  const info = await stat(path).catch(() => undefined);
  const isDir = info?.isDirectory() === true || count > 1 || path.endsWith('/');
  if (isDir) await mkdir(path, { recursive: true });
  else if (!/\.(png|jpe?g)$/i.test(path)) throw new VisageError('VSG_OPTION_INVALID', `--annotate file must end in .png, .jpg or .jpeg; received "${path}".`);
  return { path, isDir };
}

/** A named file takes its extension's format; files written into a folder are PNG. */
function annotationFormat(target: AnnotationTarget): 'png' | 'jpeg' {
  return !target.isDir && /\.jpe?g$/i.test(target.path) ? 'jpeg' : 'png';
}

function annotationPath(target: AnnotationTarget, input: Input): string {
  if (!target.isDir) return target.path;
  const stem = basename(input.source.split('?')[0] ?? 'image', extname(input.source.split('?')[0] ?? '')) || 'image';
  return join(target.path, `${stem}.annotated.png`);
}

function formatText(source: string, analysis: AnalysisOutput): string {
  const count = analysis.faces.length;
  const head = `${source}: ${count === 0 ? 'I found no faces.' : count === 1 ? 'I found 1 face.' : `I found ${count} faces.`}`;
  return [head, ...analysis.faces.map((f) => `  ${f.description}`), ''].join('\n') + '\n';
}
