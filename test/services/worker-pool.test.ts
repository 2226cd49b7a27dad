import { afterEach, describe, expect, it } from 'vitest';
import { VisageError } from '../../src/errors.js';
import { createWorkerPool, type WorkerPool } from '../../src/services/worker-pool.js';

type Job = { kind: 'echo' | 'crash' | 'exit' | 'hang' | 'fail'; value?: number; delayMs?: number; bytes?: Uint8Array };
type Result = { echo: number; bytes?: number };

const FIXTURE = new URL('./support/fixture-worker.mjs', import.meta.url);
const pools: Array<WorkerPool<Job, Result>> = [];

function pool(size: number, queueSize: number, extra: { jobTimeoutMs?: number; workerData?: unknown } = {}): WorkerPool<Job, Result> {
  const created = createWorkerPool<Job, Result>({ workerUrl: FIXTURE, size, queueSize, ...extra });
  pools.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('createWorkerPool', () => {
  it('runs jobs on every worker and reports readiness', async () => {
    const p = pool(2, 4);
    await p.whenReady();
    expect(p.state()).toBe('ready');
    const results = await Promise.all([1, 2, 3, 4, 5].map((value) => p.run({ kind: 'echo', value, delayMs: 20 })));
    expect(results.map((r) => r.echo)).toEqual([1, 2, 3, 4, 5]);
    expect(p.stats()).toMatchObject({ size: 2, ready: 2, busy: 0, queued: 0 });
  });

  it('moves transferred bytes to the worker', async () => {
    const p = pool(1, 1);
    const bytes = new Uint8Array(1000);
    await expect(p.run({ kind: 'echo', value: 1, bytes }, [bytes.buffer])).resolves.toEqual({ echo: 1, bytes: 1000 });
    expect(bytes.byteLength).toBe(0); // detached: moved, not copied
  });

  it('answers VSG_BUSY at once when the workers and the queue are full, then recovers', async () => {
    const p = pool(1, 2);
    await p.whenReady();
    const accepted = [1, 2, 3].map((value) => p.run({ kind: 'echo', value, delayMs: 100 }));
    expect(p.hasRoom()).toBe(false);
    await expect(p.run({ kind: 'echo', value: 4 })).rejects.toMatchObject({ code: 'VSG_BUSY', status: 503 });
    await expect(Promise.all(accepted)).resolves.toHaveLength(3);
    expect(p.hasRoom()).toBe(true);
    await expect(p.run({ kind: 'echo', value: 5 })).resolves.toEqual({ echo: 5 });
  });

  it('passes a VisageError from the worker through with its code', async () => {
    const p = pool(1, 1);
    await expect(p.run({ kind: 'fail' })).rejects.toMatchObject({ code: 'VSG_IMAGE_UNDECODABLE', message: 'bad bytes' });
  });

  it.each(['crash', 'exit'] as const)('replaces a worker that dies (%s); its job fails as a plain Error, the next succeeds', async (kind) => {
    const p = pool(1, 2);
    await p.whenReady();
    const failed = p.run({ kind });
    const queued = p.run({ kind: 'echo', value: 7 });
    const error = await failed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(VisageError);
    await expect(queued).resolves.toEqual({ echo: 7 });
    expect(p.state()).toBe('ready');
  });

  it('treats a job that runs too long as a crash', async () => {
    const p = pool(1, 1, { jobTimeoutMs: 200 });
    await expect(p.run({ kind: 'hang' })).rejects.toThrow(/stopped unexpectedly/);
    await expect(p.run({ kind: 'echo', value: 1 })).resolves.toEqual({ echo: 1 });
  });

  it('fails as a whole when a worker cannot start, with the worker\'s error', async () => {
    const p = pool(2, 2, { workerData: { failStart: true } });
    await expect(p.whenReady()).rejects.toMatchObject({ code: 'VSG_MODEL_INVALID' });
    expect(p.state()).toBe('failed');
    await expect(p.run({ kind: 'echo', value: 1 })).rejects.toMatchObject({ code: 'VSG_MODEL_INVALID' });
  });

  it('close() lets running and queued jobs finish and refuses new ones', async () => {
    const p = pool(1, 2);
    await p.whenReady();
    const running = [p.run({ kind: 'echo', value: 1, delayMs: 50 }), p.run({ kind: 'echo', value: 2, delayMs: 50 })];
    const closing = p.close();
    await expect(p.run({ kind: 'echo', value: 3 })).rejects.toMatchObject({ code: 'VSG_BUSY' });
    await expect(Promise.all(running)).resolves.toEqual([{ echo: 1 }, { echo: 2 }]);
    await closing;
    expect(p.state()).toBe('closed');
  });
});
