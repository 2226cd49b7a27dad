// An in-process CliIo for command tests: captured output, a given environment and folder, optional answers.
import { PassThrough, Readable, Writable } from 'node:stream';
import type { CliIo } from '../../../src/cli/types.js';

export interface TestIo extends CliIo {
  out(): string;
  err(): string;
}

export function testIo(cwd: string, env: NodeJS.ProcessEnv, options: { isTTY?: boolean; answers?: string } = {}): TestIo {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const stdin = options.answers === undefined ? new PassThrough() : Readable.from([options.answers]);
  return {
    stdout: sink((t) => (out += t)),
    stderr: sink((t) => (err += t)),
    env,
    cwd,
    isTTY: options.isTTY ?? false,
    stdin,
    out: () => out,
    err: () => err,
  };
}
