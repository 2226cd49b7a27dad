// Turns argv into typed flags with node's parseArgs; unknown flags and missing values become VSG_OPTION_INVALID.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VisageError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

export function parseFlags<T extends Options>(args: string[], options: T, usage: string): Parsed<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new VisageError('VSG_OPTION_INVALID', `${detail}\nUsage: ${usage}`);
  }
}
