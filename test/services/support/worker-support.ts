// What tests need to start Visage's worker threads from the TypeScript sources.
import { fileURLToPath } from 'node:url';

/** execArgv for workers so they can load `.ts` files. */
export function tsWorkerExecArgv(): string[] {
  return ['--import', fileURLToPath(new URL('./register-ts.mjs', import.meta.url))];
}

/** The shared, read-only photo folder (VISAGE_SHARED_DIR, default <repo>/../shared). */
export function sharedDir(): string {
  return process.env.VISAGE_SHARED_DIR ?? fileURLToPath(new URL('../../../../shared', import.meta.url));
}

export function photoPath(name: string): string {
  return `${sharedDir()}/photos/${name}`;
}
