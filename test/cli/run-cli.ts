// Runs the CLI in-process with captured output.
import { PassThrough } from 'node:stream';
import { runCommand } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const code = await runCommand(args, { stdout, stderr, env: options.env ?? {}, cwd: options.cwd ?? process.cwd(), isTTY: false });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
