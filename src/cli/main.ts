// The CLI shell: picks the command, runs it, prints a user error as one line and sets the exit code. Stacks are
// shown only with --debug; bugs (plain Errors) exit 70.
import { createRequire } from 'node:module';
import { isVisageError } from '../errors.js';
import { analyzeCommand } from './commands/analyze.js';
import { evalCommand } from './commands/eval.js';
import { dataCommand } from './commands/data.js';
import { flagsCommand } from './commands/flags.js';
import { serveCommand } from './commands/serve.js';
import { messengerCommand } from './commands/messenger.js';
import type { CliCommand, CliIo } from './types.js';

export const COMMANDS: readonly CliCommand[] = [analyzeCommand, evalCommand, serveCommand, dataCommand, flagsCommand, messengerCommand];

const EXIT_SOFTWARE = 70;

function version(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return pkg.version;
}

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Visage: finds every face in a photo and says what each person seems to feel.',
    '',
    'Usage: visage <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "visage <command> --help" for its options. Add --debug to see stack traces.',
  ].join('\n');
}

/** Runs one CLI invocation and returns its exit code. */
export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${help()}\n`);
    return name === undefined ? 64 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`visage: unknown command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}.\n`);
    return 64;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.summary}\nUsage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isVisageError(error)) {
      io.stderr.write(`visage ${name}: ${error.code}: ${error.message}\n`);
      if (debug) io.stderr.write(`${error.stack ?? ''}\n`);
      return error.exitCode;
    }
    io.stderr.write(`visage ${name}: internal error: ${error instanceof Error ? (debug ? error.stack : error.message) : String(error)}\n`);
    if (!debug) io.stderr.write('Run again with --debug to see the stack trace.\n');
    return EXIT_SOFTWARE;
  }
}

export async function runCli(argv: string[]): Promise<void> {
  process.exitCode = await runCommand(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY === true,
    // A getter: stdin is set up only by a command that reads answers from it.
    get stdin() {
      return process.stdin;
    },
  });
}
