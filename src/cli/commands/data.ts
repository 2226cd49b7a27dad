// `visage data export|backup|delete-user|purge|check`: the operator's tools for what Visage stores
// (see docs/operator.md). They work on <dataDir>/visage.db while the server runs (SQLite WAL, online backup).

import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Config, loadConfig } from '../../config.js';
import { VisageError } from '../../errors.js';
import { openDataStore, type Store } from '../../store/store.js';
import { isHashedUserId, USER_CHANNELS, type UserChannel } from '../../store/users.js';
import { parseFlags } from '../args.js';
import type { CliCommand, CliIo } from '../types.js';

const USAGE = [
  'visage data export [--out file.json] [--with-crops] [--user id]',
  'visage data backup <file> [--force]',
  'visage data delete-user <id> [--channel web|api|messenger]',
  'visage data purge [--days N]',
  'visage data check',
  '(each also takes --data-dir dir and --config file.json)',
].join('\n       ');

const FLAGS = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string' },
  'with-crops': { type: 'boolean' },
  user: { type: 'string' },
  force: { type: 'boolean' },
  channel: { type: 'string' },
  days: { type: 'string' },
} as const;

interface StoreFlags {
  'data-dir'?: string;
  config?: string;
}

function configFrom(values: StoreFlags, io: CliIo): Config {
  const argv: Record<string, string> = {};
  if (values['data-dir'] !== undefined) argv['data-dir'] = values['data-dir'];
  if (values.config !== undefined) argv.config = values.config;
  return loadConfig({ argv, env: io.env, cwd: io.cwd });
}

/** The store of the configured data folder (defaults, config file, VISAGE_* variables, then --data-dir). */
export function openConfiguredStore(values: StoreFlags, io: CliIo, readonly = false): Store {
  return openDataStore(configFrom(values, io).dataDir, { readonly });
}

function retentionDays(values: StoreFlags & { days?: string }, io: CliIo): number {
  if (values.days === undefined) return configFrom(values, io).retentionDays;
  if (!/^[1-9]\d*$/.test(values.days)) {
    throw new VisageError('VSG_OPTION_INVALID', `Option "--days" must be a whole number >= 1; received "${values.days}".`);
  }
  return Number(values.days);
}

/** Writes next to the target and renames, so a reader never sees half a file; owner-only (personal data). */
function writeAtomically(file: string, text: string): void {
  const temp = `${file}.partial-${process.pid}`;
  try {
    writeFileSync(temp, text, { mode: 0o600 });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new VisageError('VSG_STORAGE_FAILED', `Could not write ${file}: ${String(error)}.`, { cause: error });
  }
}

/** The hashed ids an operator's id stands for: a hashed id as is, or a channel's raw id (every channel if not said). */
function candidateIds(store: Store, id: string, channel: string | undefined): string[] {
  if (channel !== undefined) {
    if (!USER_CHANNELS.includes(channel as UserChannel)) {
      throw new VisageError('VSG_OPTION_INVALID', `Option "--channel" must be one of ${USER_CHANNELS.join(', ')}; received "${channel}".`);
    }
    return [store.users.hash(channel as UserChannel, id)];
  }
  const ids = isHashedUserId(id) ? [id] : [];
  return [...ids, ...USER_CHANNELS.map((c) => store.users.hash(c, id))];
}

async function runSubcommand(sub: string, rest: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(rest, FLAGS, USAGE);
  if (sub === 'export') {
    const store = openConfiguredStore(values, io, true);
    try {
      const userId = values.user === undefined ? undefined : candidateIds(store, values.user, values.channel).find((id) => store.users.exists(id));
      if (values.user !== undefined && userId === undefined) throw new VisageError('VSG_NOT_FOUND', 'No data is stored for that user.');
      const text = `${JSON.stringify(store.exportData({ includeCrops: values['with-crops'] === true, userId }), null, 2)}\n`;
      if (values.out === undefined) io.stdout.write(text);
      else {
        writeAtomically(resolve(io.cwd, values.out), text);
        io.stderr.write(`Exported to ${values.out}${values['with-crops'] === true ? ' (with face crops)' : ''}.\n`);
      }
    } finally {
      store.close();
    }
    return 0;
  }
  if (sub === 'backup') {
    const target = positionals[0];
    if (target === undefined) throw new VisageError('VSG_OPTION_INVALID', `Give the backup file.\nUsage: ${USAGE}`);
    const file = resolve(io.cwd, target);
    if (existsSync(file) && values.force !== true) {
      throw new VisageError('VSG_OPTION_INVALID', `${target} exists; add --force to replace it.`);
    }
    const store = openConfiguredStore(values, io);
    try {
      const result = await store.backup(file);
      io.stdout.write(`Backed up to ${target} (${result.pages} pages, schema version ${result.schemaVersion}, integrity ok).\n`);
    } finally {
      store.close();
    }
    return 0;
  }
  if (sub === 'delete-user') {
    const id = positionals[0];
    if (id === undefined) throw new VisageError('VSG_OPTION_INVALID', `Give the user id.\nUsage: ${USAGE}`);
    const store = openConfiguredStore(values, io);
    try {
      const totals = { users: 0, flags: 0, practiceRounds: 0 };
      for (const userId of candidateIds(store, id, values.channel)) {
        const deleted = store.users.delete(userId);
        totals.users += deleted.users;
        totals.flags += deleted.flags;
        totals.practiceRounds += deleted.practiceRounds;
      }
      io.stdout.write(
        totals.users === 0
          ? 'No data is stored for that user; nothing to delete.\n'
          : `Deleted ${totals.users} user record(s), ${totals.flags} flag(s) with their face crops and ${totals.practiceRounds} practice round(s).\n`,
      );
    } finally {
      store.close();
    }
    return 0;
  }
  if (sub === 'purge') {
    const days = retentionDays(values, io);
    const store = openConfiguredStore(values, io);
    try {
      const c = store.purgeExpired(days);
      io.stdout.write(
        `Deleted what was older than ${days} days: ${c.flags} flag(s), ${c.practiceRounds} practice round(s), ${c.seenMessages} message id(s), ${c.users} user record(s).\n`,
      );
    } finally {
      store.close();
    }
    return 0;
  }
  if (sub === 'check') {
    const store = openConfiguredStore(values, io, true);
    try {
      const result = store.integrityCheck();
      io.stdout.write(`${result.join('\n')}\n`);
      return result.join() === 'ok' ? 0 : 74;
    } finally {
      store.close();
    }
  }
  throw new VisageError('VSG_OPTION_INVALID', `Unknown "visage data ${sub}".\nUsage: ${USAGE}`);
}

export const dataCommand: CliCommand = {
  name: 'data',
  summary: 'Export, back up, purge or delete what Visage stores.',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new VisageError('VSG_OPTION_INVALID', `Say what to do.\nUsage: ${USAGE}`);
    return runSubcommand(sub, rest, io);
  },
};
