// Turns argv into typed flags with node's parseArgs; unknown flags and missing values become VSG_OPTION_INVALID.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VisageError } from '../errors.js';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<T extends FlagSpec>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new VisageError('VSG_OPTION_INVALID', `${detail}\nUsage: ${usage}`);
  }
}
