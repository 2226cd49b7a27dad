// The inference worker: loads the models once (one onnxruntime thread, since the pool already uses every core) and
// analyses one photo per job. It only runs inside a worker thread started by createAnalysisPool.
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { isVisageError } from '../errors.js';
import { analyzeImage, loadModels } from '../index.js';
import type { Analysis } from '../pipeline/types.js';
import type { SerializedError, WorkerMessage } from './worker-pool.js';

type VisageModels = Awaited<ReturnType<typeof loadModels>>;

export interface AnalysisWorkerData {
  role: 'visage-analysis';
  modelDir: string | undefined;
}

export interface AnalysisJob {
  bytes: Uint8Array;
  maxPixels: number;
  annotate?: 'png' | 'jpeg';
  faceCrops: boolean;
}

export interface AnalysisJobResult {
  analysis: Analysis;
  annotated?: { format: 'png' | 'jpeg'; data: Uint8Array };
  faceCrops: Uint8Array[];
}

export function serializeError(error: unknown): SerializedError {
  if (isVisageError(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) return { message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) };
  return { message: String(error) };
}

async function runJob(models: VisageModels, job: AnalysisJob): Promise<AnalysisJobResult> {
  const output = await analyzeImage(job.bytes, models, {
    maxPixels: job.maxPixels,
    faceCrops: job.faceCrops,
    ...(job.annotate === undefined ? {} : { annotate: job.annotate }),
  });
  const { width, height, faces, timingsMs } = output;
  return {
    analysis: { width, height, faces, timingsMs },
    faceCrops: output.faceCrops ?? [],
    ...(output.annotated === undefined ? {} : { annotated: output.annotated }),
  };
}

async function serve(port: MessagePort, data: AnalysisWorkerData): Promise<void> {
  const post = (message: WorkerMessage): void => port.postMessage(message);
  let models: VisageModels;
  try {
    models = await loadModels({ threads: 1, ...(data.modelDir === undefined ? {} : { modelDir: data.modelDir }) });
  } catch (error) {
    post({ type: 'failed', error: serializeError(error) });
    return;
  }
  port.on('message', (message: { type: 'job'; id: number; job: AnalysisJob }) => {
    runJob(models, message.job).then(
      (value) => post({ type: 'done', id: message.id, ok: true, value }),
      (error: unknown) => post({ type: 'done', id: message.id, ok: false, error: serializeError(error) }),
    );
  });
  post({ type: 'ready' });
}

const data = workerData as AnalysisWorkerData | undefined;
if (!isMainThread && parentPort !== null && data?.role === 'visage-analysis') void serve(parentPort, data);
