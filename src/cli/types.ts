// The contract between the CLI shell (main.ts) and each command: a command returns its exit code and writes only
// to the streams it is given, so tests can run it in-process.

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  isTTY: boolean;
  /** Answers for interactive commands (visage flags review); absent when there is no one to ask. */
  stdin?: NodeJS.ReadableStream;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}
