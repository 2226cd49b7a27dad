// A fixed set of worker threads behind a bounded queue. When every worker is busy and the queue is full, run()
// fails at once with VSG_BUSY rather than letting waits grow. A worker that dies is replaced; the job it held fails
// with a plain Error (a 500 on HTTP), never a hang. A worker that cannot start (e.g. models missing) fails the pool.
import { Worker, type TransferListItem } from 'node:worker_threads';
import { VisageError, type ErrorCode } from '../errors.js';
import type { Analysis } from '../pipeline/types.js';
import type { AnalysisJob, AnalysisJobResult, AnalysisWorkerData } from './analysis-worker.js';

/** What a worker script posts back. Worker scripts use `serveWorkerJobs` in analysis-worker.ts or follow this shape. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'done'; id: number; ok: true; value: unknown }
  | { type: 'done'; id: number; ok: false; error: SerializedError };

export interface SerializedError {
  code?: ErrorCode;
  message: string;
  stack?: string;
}

export interface WorkerPoolOptions {
  workerUrl: URL;
  size: number;
  queueSize: number;
  workerData?: unknown;
  /** Node flags for the workers (e.g. a loader when running from TypeScript sources). */
  execArgv?: string[];
  /** A job running longer than this is treated as a crash: its worker is replaced. */
  jobTimeoutMs?: number;
  /** Heap cap per worker; exceeding it ends the worker like a crash. */
  maxHeapMb?: number;
}

export type PoolState = 'starting' | 'ready' | 'failed' | 'closed';

export interface PoolStats {
  size: number;
  ready: number;
  busy: number;
  queued: number;
  queueSize: number;
}

export interface WorkerPool<Job, Result> {
  run(job: Job, transfer?: readonly TransferListItem[]): Promise<Result>;
  /** True when a job could start or wait right now (used to refuse work before reading a large body). */
  hasRoom(): boolean;
  state(): PoolState;
  /** Resolves when every worker has started; rejects with the start failure. */
  whenReady(): Promise<void>;
  stats(): PoolStats;
  /** Refuses new jobs, lets running ones finish, then stops the workers. */
  close(): Promise<void>;
}

interface Pending {
  id: number;
  job: unknown;
  transfer: readonly TransferListItem[];
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Being stopped (its job ran too long); takes no new job while its exit is pending. */
  retiring?: boolean;
  current?: Pending;
  timer?: NodeJS.Timeout;
}

export function deserializeError(error: SerializedError): Error {
  if (error.code !== undefined) return new VisageError(error.code, error.message);
  const plain = new Error(error.message);
  if (error.stack !== undefined) plain.stack = error.stack;
  return plain;
}

function busyError(): VisageError {
  return new VisageError('VSG_BUSY', 'Visage is analysing as many photos as it can right now; try again in a moment.');
}

export function createWorkerPool<Job, Result>(options: WorkerPoolOptions): WorkerPool<Job, Result> {
  const { size, queueSize, jobTimeoutMs = 120_000, maxHeapMb = 1024 } = options;
  const slots = new Set<Slot>();
  const queue: Pending[] = [];
  let nextId = 1;
  let state: PoolState = 'starting';
  let failure: Error | undefined;
  let drained: (() => void) | undefined;
  const readyWaiters: Array<{ resolve(): void; reject(e: Error): void }> = [];

  const settleReady = (): void => {
    if (state === 'starting' && [...slots].every((s) => s.ready) && slots.size === size) state = 'ready';
    if (state === 'starting') return;
    for (const waiter of readyWaiters.splice(0)) {
      if (state === 'ready') waiter.resolve();
      else waiter.reject(failure ?? new Error('The worker pool is closed.'));
    }
  };

  const fail = (error: Error): void => {
    state = 'failed';
    failure = error;
    for (const pending of queue.splice(0)) pending.reject(error);
    settleReady();
    void Promise.all([...slots].map((s) => s.worker.terminate()));
  };

  const dispatch = (): void => {
    for (const slot of slots) {
      if (!slot.ready || slot.retiring === true || slot.current !== undefined) continue;
      const pending = queue.shift();
      if (pending === undefined) break;
      slot.current = pending;
      slot.timer = setTimeout(() => {
        slot.retiring = true;
        void slot.worker.terminate();
      }, jobTimeoutMs);
      slot.worker.postMessage({ type: 'job', id: pending.id, job: pending.job }, pending.transfer);
    }
    if (drained && queue.length === 0 && [...slots].every((s) => s.current === undefined)) drained();
  };

  const finish = (slot: Slot, settle: (pending: Pending) => void): void => {
    const pending = slot.current;
    clearTimeout(slot.timer);
    slot.current = undefined;
    if (pending) settle(pending);
    dispatch();
  };

  const spawn = (): void => {
    const worker = new Worker(options.workerUrl, {
      workerData: options.workerData,
      // Without explicit flags a worker inherits the process's (e.g. a TypeScript loader when run through tsx).
      ...(options.execArgv === undefined ? {} : { execArgv: options.execArgv }),
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    });
    const slot: Slot = { worker, ready: false };
    slots.add(slot);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        slot.ready = true;
        settleReady();
        dispatch();
      } else if (message.type === 'failed') {
        fail(deserializeError(message.error));
      } else if (message.ok) {
        finish(slot, (p) => p.resolve(message.value));
      } else {
        finish(slot, (p) => p.reject(deserializeError(message.error)));
      }
    });
    // 'error' (an uncaught exception) is always followed by 'exit'; the exit handler does the work.
    let lastError: Error | undefined;
    worker.on('error', (error) => {
      lastError = error;
    });
    worker.on('exit', (exitCode) => {
      slots.delete(slot);
      clearTimeout(slot.timer);
      const lost = slot.current;
      slot.current = undefined;
      lost?.reject(new Error('The analysis worker stopped unexpectedly while working on this photo.'));
      if (state === 'closed' || state === 'failed') {
        if (slots.size === 0) for (const pending of queue.splice(0)) pending.reject(busyError());
        dispatch();
        return;
      }
      if (!slot.ready) {
        const why = lastError?.message ?? `exit code ${exitCode}`;
        fail(new Error(`An analysis worker stopped before it was ready (${why}).`, { cause: lastError }));
        return;
      }
      spawn();
      dispatch();
    });
  };

  for (let i = 0; i < size; i += 1) spawn();

  const idleReady = (): boolean => [...slots].some((s) => s.ready && s.retiring !== true && s.current === undefined);

  return {
    run(job, transfer = []) {
      if (state === 'failed') return Promise.reject(failure);
      if (state === 'closed') return Promise.reject(busyError());
      if (!idleReady() && queue.length >= queueSize) return Promise.reject(busyError());
      return new Promise<Result>((resolve, reject) => {
        queue.push({ id: nextId++, job, transfer, resolve: resolve as (v: unknown) => void, reject });
        dispatch();
      });
    },
    hasRoom: () => (state === 'ready' || state === 'starting') && (idleReady() || queue.length < queueSize),
    state: () => state,
    whenReady() {
      if (state === 'ready') return Promise.resolve();
      if (state !== 'starting') return Promise.reject(failure ?? new Error('The worker pool is closed.'));
      return new Promise((resolve, reject) => readyWaiters.push({ resolve, reject }));
    },
    stats: () => ({
      size,
      ready: [...slots].filter((s) => s.ready).length,
      busy: [...slots].filter((s) => s.current !== undefined).length,
      queued: queue.length,
      queueSize,
    }),
    async close() {
      if (state === 'closed') return;
      const wasFailed = state === 'failed';
      state = 'closed';
      settleReady();
      if (!wasFailed && (queue.length > 0 || [...slots].some((s) => s.current !== undefined))) {
        await new Promise<void>((resolve) => {
          drained = resolve;
        });
      }
      await Promise.all([...slots].map((s) => s.worker.terminate()));
    },
  };
}

// ---- The analysis pool: the worker pool specialised to Visage's analysis worker. ----

export type AnalysisPool = WorkerPool<AnalysisJob, AnalysisJobResult>;

export interface AnalysisPoolOptions {
  workers: number;
  queueSize: number;
  modelDir: string | undefined;
  /** Defaults to analysis-worker next to this file (same extension, so it also works from TypeScript sources). */
  workerUrl?: URL;
  execArgv?: string[];
  jobTimeoutMs?: number;
}

export function createAnalysisPool(options: AnalysisPoolOptions): AnalysisPool {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const workerData: AnalysisWorkerData = { role: 'visage-analysis', modelDir: options.modelDir };
  return createWorkerPool<AnalysisJob, AnalysisJobResult>({
    workerUrl: options.workerUrl ?? new URL(`./analysis-worker.${extension}`, import.meta.url),
    size: options.workers,
    queueSize: options.queueSize,
    workerData,
    ...(options.execArgv === undefined ? {} : { execArgv: options.execArgv }),
    ...(options.jobTimeoutMs === undefined ? {} : { jobTimeoutMs: options.jobTimeoutMs }),
  });
}

export interface PooledAnalysis {
  analysis: Analysis;
  annotated?: { format: 'png' | 'jpeg'; data: Buffer };
  faceCrops: Buffer[];
}

/** Runs one analysis on the pool; the photo's bytes are copied once and moved to the worker without another copy. */
export async function analyzeInPool(
  pool: AnalysisPool,
  bytes: Uint8Array,
  options: { maxPixels: number; annotate?: 'png' | 'jpeg'; faceCrops: boolean },
): Promise<PooledAnalysis> {
  const own = new Uint8Array(bytes);
  const result = await pool.run({ bytes: own, ...options }, [own.buffer]);
  const toBuffer = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    analysis: result.analysis,
    faceCrops: result.faceCrops.map(toBuffer),
    ...(result.annotated === undefined ? {} : { annotated: { format: result.annotated.format, data: toBuffer(result.annotated.data) } }),
  };
}
