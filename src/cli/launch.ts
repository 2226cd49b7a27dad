// How the `visage` command starts. glibc's malloc gives threads that allocate at the same time (libvips workers, the
// libuv pool, onnxruntime) arenas of their own, and memory freed in an arena stays mapped: on 1920-px photos that
// added about 45 MB to the peak RSS of the pipeline (npm run bench, 342 -> 298 MB with two arenas). Image buffers of
// a few hundred kilobytes to a few megabytes come and go with every photo; glibc's sliding mmap threshold soon puts
// them on the heap, where freed holes stay mapped, so a fixed 256 KiB threshold gives them back at once (peak
// 287-289 -> 261-263 MB, ms per image within the run-to-run noise). glibc reads these variables only when a process
// starts, so without them the command starts itself once more with them set; values the user set are kept.
// This module loads nothing heavy: the parent process only waits for its child.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export const ALLOCATOR_ENV: Readonly<Record<string, string>> = Object.freeze({ MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '262144' });

/** True when this process should start itself again with ALLOCATOR_ENV (glibc Linux, one of its variables not set). */
export function needsRelaunch(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  return platform === 'linux' && Object.keys(ALLOCATOR_ENV).some((name) => env[name] === undefined);
}

/** Runs the same command in a child with ALLOCATOR_ENV; resolves to the exit code to use. */
export function relaunch(argv: readonly string[], env: NodeJS.ProcessEnv, execArgv: readonly string[] = process.execArgv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...execArgv, ...argv], { stdio: 'inherit', env: { ...ALLOCATOR_ENV, ...env } });
    // Ctrl-C reaches the whole process group: the child decides what it means, the parent just waits for it.
    const forward = (signal: NodeJS.Signals) => () => {
      if (signal !== 'SIGINT') child.kill(signal);
    };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.on('error', (error) => {
      process.stderr.write(`visage: could not start: ${error.message}\n`);
      resolve(70); // EX_SOFTWARE, as for any other internal error
    });
    child.on('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      // A child killed by a signal ends like a shell reports it: 128 + signal number.
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}

