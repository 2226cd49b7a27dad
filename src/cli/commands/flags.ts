// `visage flags list|review|export`: flags become training data only after an operator accepted them.
// review asks y/n/s for each pending flag on a terminal, or takes --accept/--reject ids in scripts.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { VisageError } from '../../errors.js';
import { FLAG_STATUSES, type FlagStatus, type FlagSummary, type ReviewDecision } from '../../store/flags.js';
import type { Store } from '../../store/store.js';
import { writeTrainingSet } from '../../store/training-set.js';
import { parseFlags } from '../args.js';
import type { CliCommand, CliIo } from '../types.js';
import { openConfiguredStore } from './data.js';

const USAGE = [
  'visage flags list [--status pending|accepted|rejected|all] [--json]',
  'visage flags review [--accept ID...] [--reject ID...] [--crops dir]',
  'visage flags export --out <dir>',
  '(each also takes --data-dir dir and --config file.json)',
].join('\n       ');

const FLAGS = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  status: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  crops: { type: 'string' },
} as const;

function describeFlag(flag: FlagSummary): string {
  const when = new Date(flag.createdAt).toISOString().slice(0, 16).replace('T', ' ');
  const sure = Math.round((flag.scores[flag.predicted] ?? 0) * 100);
  const comment = flag.comment === null ? '' : ` "${flag.comment}"`;
  return `#${flag.id} ${flag.status}: Visage said ${flag.predicted} (${sure}%), the user says ${flag.label}; ${flag.channel}, ${when}${comment}`;
}

/** Splits review arguments: `--accept 3 4 --reject 5` (also `--accept=3,4`); the rest goes to parseFlags. */
export function splitDecisions(args: string[]): { decisions: Array<{ id: number; decision: ReviewDecision }>; rest: string[] } {
  const decisions: Array<{ id: number; decision: ReviewDecision }> = [];
  const rest: string[] = [];
  let mode: ReviewDecision | undefined;
  for (const arg of args) {
    const [name, inline] = arg.split('=', 2);
    if (name === '--accept' || name === '--reject') {
      mode = name === '--accept' ? 'accept' : 'reject';
      if (inline === undefined) continue;
    } else if (arg.startsWith('-')) {
      mode = undefined;
      rest.push(arg);
      continue;
    } else if (mode === undefined) {
      rest.push(arg);
      continue;
    }
    for (const part of (inline ?? arg).split(',').filter((p) => p !== '')) {
      if (!/^[1-9]\d*$/.test(part)) throw new VisageError('VSG_OPTION_INVALID', `A flag id must be a whole number; received "${part}".`);
      decisions.push({ id: Number(part), decision: mode });
    }
  }
  return { decisions, rest };
}

async function reviewInteractively(store: Store, io: CliIo, cropsDir: string | undefined): Promise<number> {
  const input = io.stdin;
  if (!io.isTTY || input === undefined) {
    throw new VisageError('VSG_OPTION_INVALID', `Interactive review needs a terminal; in scripts use --accept ID... --reject ID...\nUsage: ${USAGE}`);
  }
  const pending = store.flags.list({ status: 'pending' });
  if (pending.length === 0) {
    io.stdout.write('No flags wait for review.\n');
    return 0;
  }
  if (cropsDir !== undefined) mkdirSync(cropsDir, { recursive: true });
  // Lines are read through the async iterator, which buffers them, so answers typed (or piped) ahead are kept.
  const prompt = createInterface({ input, terminal: false });
  const lines = prompt[Symbol.asyncIterator]();
  const done = { accept: 0, reject: 0, skip: 0 };
  try {
    io.stdout.write(`${pending.length} flag(s) wait for review. y = accept, n = reject, s = skip, q = quit.\n`);
    for (const summary of pending) {
      if (cropsDir !== undefined) {
        const crop = store.flags.getWithCrop(summary.id)?.cropPng;
        if (crop !== undefined) writeFileSync(join(cropsDir, `flag-${summary.id}.png`), crop, { mode: 0o600 });
      }
      const where = cropsDir === undefined ? '' : ` (face: ${join(cropsDir, `flag-${summary.id}.png`)})`;
      let answer = '';
      while (!['y', 'n', 's', 'q'].includes(answer)) {
        io.stdout.write(`${describeFlag(summary)}${where}\nAccept? [y/n/s/q] `);
        const line = await lines.next();
        // The end of the input counts as quit.
        answer = line.done === true ? 'q' : String(line.value).trim().toLowerCase().slice(0, 1);
      }
      if (answer === 'q') break;
      if (answer === 's') done.skip += 1;
      else {
        const decision: ReviewDecision = answer === 'y' ? 'accept' : 'reject';
        store.flags.review(summary.id, decision);
        done[decision] += 1;
      }
    }
  } finally {
    prompt.close();
  }
  io.stdout.write(`Accepted ${done.accept}, rejected ${done.reject}, skipped ${done.skip}.\n`);
  return 0;
}

async function runSubcommand(sub: string, args: string[], io: CliIo): Promise<number> {
  const { decisions, rest } = sub === 'review' ? splitDecisions(args) : { decisions: [], rest: args };
  const { values } = parseFlags(rest, FLAGS, USAGE);
  const store = openConfiguredStore(values, io, sub === 'list');
  try {
    if (sub === 'list') {
      const status = (values.status ?? 'pending') as FlagStatus | 'all';
      if (![...FLAG_STATUSES, 'all'].includes(status)) {
        throw new VisageError('VSG_OPTION_INVALID', `Option "--status" must be one of ${FLAG_STATUSES.join(', ')}, all; received "${status}".`);
      }
      const flags = store.flags.list({ status });
      if (values.json === true) io.stdout.write(`${JSON.stringify(flags)}\n`);
      else {
        for (const flag of flags) io.stdout.write(`${describeFlag(flag)}\n`);
        const counts = store.flags.countByStatus();
        io.stdout.write(`${counts.pending} pending, ${counts.accepted} accepted, ${counts.rejected} rejected.\n`);
      }
      return 0;
    }
    if (sub === 'review') {
      if (decisions.length === 0) return await reviewInteractively(store, io, values.crops === undefined ? undefined : resolve(io.cwd, values.crops));
      for (const { id, decision } of decisions) {
        const flag = store.flags.review(id, decision);
        io.stdout.write(`#${flag.id} ${flag.status}.\n`);
      }
      return 0;
    }
    if (sub === 'export') {
      if (values.out === undefined) throw new VisageError('VSG_OPTION_INVALID', `Give the folder: --out <dir>.\nUsage: ${USAGE}`);
      const result = await writeTrainingSet(store.flags.iterateAccepted(), resolve(io.cwd, values.out), Date.now());
      const counts = Object.entries(result.byEmotion).filter(([, n]) => n > 0).map(([e, n]) => `${e} ${n}`).join(', ');
      io.stdout.write(`Wrote ${result.count} accepted flag(s) to ${values.out} (fer2013.csv, images/, manifest.json)${counts === '' ? '' : `: ${counts}`}.\n`);
      return 0;
    }
    throw new VisageError('VSG_OPTION_INVALID', `Unknown "visage flags ${sub}".\nUsage: ${USAGE}`);
  } finally {
    store.close();
  }
}

export const flagsCommand: CliCommand = {
  name: 'flags',
  summary: 'List, review and export the faces users flagged.',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new VisageError('VSG_OPTION_INVALID', `Say what to do.\nUsage: ${USAGE}`);
    return runSubcommand(sub, rest, io);
  },
};
