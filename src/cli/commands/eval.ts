// `visage eval --data <fer2013.csv[.gz]>`: the emotion classifier on a FER2013 split through the same runtime as
// photos. JSON: {split, n, accuracy, macroF1, perClass:{emotion:{precision,recall,f1}}, confusion} (rows = truth).
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { VisageError } from '../../errors.js';
import { loadEmotionClassifier } from '../../models/emotion-classifier.js';
import { evaluateFer2013, type FerEvaluation } from '../../evaluation/evaluate-fer.js';
import { FER_SPLITS, type FerSplit } from '../../evaluation/fer2013.js';
import { confusionPng, confusionSvg } from '../../evaluation/confusion-plot.js';
import { EMOTIONS } from '../../pipeline/types.js';
import { parseFlags } from '../args.js';
import { createProgress } from '../progress.js';
import type { CliCommand } from '../types.js';

const USAGE = 'visage eval --data <fer2013.csv or .csv.gz> [--split PublicTest|PrivateTest] [--json] [--plot <png|svg>] [--model <file.onnx>]';
const SPLIT_SIZE: Record<FerSplit, number> = { Training: 28709, PublicTest: 3589, PrivateTest: 3589 };

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'Measure the emotion model on a FER2013 split.',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseFlags(
      args,
      { data: { type: 'string' }, split: { type: 'string', default: 'PrivateTest' }, json: { type: 'boolean' }, plot: { type: 'string' }, model: { type: 'string' } },
      USAGE,
    );
    if (values.data === undefined) throw new VisageError('VSG_OPTION_INVALID', `Option "--data" is required.\nUsage: ${USAGE}`);
    const split = values.split as FerSplit;
    if (!FER_SPLITS.includes(split)) throw new VisageError('VSG_OPTION_INVALID', `Option "--split" must be one of ${FER_SPLITS.join(', ')}; received "${values.split}".`);
    if (values.plot !== undefined && !/\.(png|svg)$/i.test(values.plot)) {
      throw new VisageError('VSG_OPTION_INVALID', `Option "--plot" must name a .png or .svg file; received "${values.plot}".`);
    }
    const classifier = await loadEmotionClassifier(values.model === undefined ? {} : { modelPath: resolve(io.cwd, values.model) });
    const progress = createProgress(io.stderr, SPLIT_SIZE[split], io.isTTY, `Evaluating ${split}`);
    let result: FerEvaluation;
    try {
      result = await evaluateFer2013(resolve(io.cwd, values.data), split, classifier, (done) => progress.tick(done));
    } finally {
      progress.end();
      await classifier.session.release();
    }
    if (values.plot !== undefined) {
      const svg = confusionSvg(result, `FER2013 ${split}`);
      await writeFile(resolve(io.cwd, values.plot), /\.svg$/i.test(values.plot) ? svg : await confusionPng(svg));
    }
    io.stdout.write(values.json === true ? `${JSON.stringify(toJson(result))}\n` : formatText(result));
    return 0;
  },
};

function toJson(r: FerEvaluation) {
  return {
    split: r.split,
    n: r.n,
    accuracy: r.accuracy,
    macroF1: r.macroF1,
    perClass: Object.fromEntries(EMOTIONS.map((e) => [e, { precision: r.perClass[e].precision, recall: r.perClass[e].recall, f1: r.perClass[e].f1 }])),
    confusion: r.confusion,
  };
}

function formatText(r: FerEvaluation): string {
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const lines = [`FER2013 ${r.split}: ${r.n} faces`, `accuracy ${pct(r.accuracy)}, macro-F1 ${r.macroF1.toFixed(4)}`, '', 'emotion    precision  recall  f1'];
  for (const e of EMOTIONS) {
    const c = r.perClass[e];
    lines.push(`${e.padEnd(10)} ${pct(c.precision).padStart(9)}  ${pct(c.recall).padStart(6)}  ${c.f1.toFixed(3)}`);
  }
  lines.push('', `confusion (rows = true, columns = predicted; ${EMOTIONS.join(', ')}):`, ...r.confusion.map((row) => `  ${row.map((v) => String(v).padStart(5)).join('')}`));
  return `${lines.join('\n')}\n`;
}
