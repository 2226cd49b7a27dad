// Load test of the HTTP server on loopback: a 640-px photo with 3 faces, posted by 1, 4 and 16 concurrent clients
// (keep-alive, one request at a time each; a client that gets 503 backs off 50 ms). Reports requests/s, p50/p99
// latency, errors by status and peak RSS per step, and compares the throughput with the pipeline alone measured in
// the same run: analyzeImage in this process with as many analyses in flight as there are cores, and (for
// reference) the worker pool driven directly, without HTTP.
// Environment: BENCH_LOAD_SECONDS (per step, default 60), BENCH_MODEL_DIR (default: the bundled models).
import { Agent, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadConfig, type Config } from '../src/config.js';
import { analyzeImage, loadModels } from '../src/index.js';
import { buildServer } from '../src/server.js';
import { analyzeInPool, createAnalysisPool } from '../src/services/worker-pool.js';

export interface ServerLoadOptions {
  stepSeconds?: number;
  clients?: readonly number[];
  modelDir?: string;
  /** Default: the 3-face group photo of the shared set, resized to 640 px wide. */
  photoPath?: string;
  print?: (line: string) => void;
}

export interface StepResult {
  label: string;
  concurrency: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  peakRssMb: number;
}

const PHOTO = 'multi-3faces-turned-profile-faceapi-bbt2.jpg';
const BACKOFF_MS = 50;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Runs `concurrency` loops of `once` for `seconds`; `once` returns a status (200 for success). */
async function measure(label: string, concurrency: number, seconds: number, once: () => Promise<number>): Promise<StepResult> {
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 100);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const start = performance.now();
  const end = start + seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const status = await once().catch(() => 0);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 200) latencies.push(performance.now() - t0);
      else await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedS = (performance.now() - start) / 1000;
  clearInterval(sampler);
  latencies.sort((a, b) => a - b);
  return {
    label,
    concurrency,
    requestsPerSecond: latencies.length / elapsedS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    statuses,
    peakRssMb: peakRss / 2 ** 20,
  };
}

function post(agent: Agent, port: number, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/analyze', method: 'POST', agent, headers: { 'content-type': 'image/jpeg' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function describe(step: StepResult): string {
  const errors = Object.entries(step.statuses).filter(([status]) => status !== '200');
  const errorText = errors.length === 0 ? 'none' : errors.map(([status, n]) => `${status === '0' ? 'network' : status}: ${n}`).join(', ');
  return `${step.label.padEnd(36)} ${step.requestsPerSecond.toFixed(2).padStart(7)} req/s  p50 ${step.p50Ms.toFixed(0).padStart(5)} ms  p99 ${step.p99Ms
    .toFixed(0)
    .padStart(5)} ms  errors: ${errorText}  peak RSS ${step.peakRssMb.toFixed(0)} MB`;
}

// Under tsx the sources are TypeScript, which worker threads cannot load by themselves; the tests' loader helps.
// Workers load TypeScript sources through a small loader when the benchmark itself runs from TypeScript.
export function workerExecArgv(): string[] | undefined {
  if (!import.meta.url.endsWith('.ts')) return undefined;
  return ['--import', fileURLToPath(new URL('../test/services/support/register-ts.mjs', import.meta.url))];
}

async function pipelineAlone(photo: Buffer, modelDir: string | undefined, cores: number, seconds: number): Promise<StepResult> {
  const models = await loadModels({ threads: 1, ...(modelDir === undefined ? {} : { modelDir }) });
  try {
    await analyzeImage(photo, models);
    return await measure(`pipeline alone, ${cores} in flight`, cores, seconds, async () => {
      await analyzeImage(photo, models);
      return 200;
    });
  } finally {
    await models.close();
  }
}

export async function benchServerLoad(options: ServerLoadOptions = {}): Promise<StepResult[]> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const seconds = options.stepSeconds ?? Number(process.env.BENCH_LOAD_SECONDS ?? '60');
  const clients = options.clients ?? [1, 4, 16];
  const modelDir = options.modelDir ?? (process.env.BENCH_MODEL_DIR || undefined);
  const cores = availableParallelism();
  const source = options.photoPath ?? join(process.env.VISAGE_SHARED_DIR ?? join(process.cwd(), '..', 'shared'), 'photos', PHOTO);
  const photo = await sharp(source).resize({ width: 640 }).jpeg({ quality: 92 }).toBuffer();

  const base = loadConfig({ env: {} });
  const config: Config = {
    ...base,
    workers: cores,
    modelDir,
    dataDir: mkdtempSync(join(tmpdir(), 'visage-load-')),
    rateLimit: { burst: 1, perSecond: 0 },
  };
  print(`\nServer load test: ${PHOTO} at 640 px (${photo.length} bytes), ${seconds} s per step, ${cores} cores, ${config.workers} workers, queue ${config.queueSize}.`);
  const results: StepResult[] = [];

  const alone = await pipelineAlone(photo, modelDir, cores, seconds);
  print(describe(alone));
  results.push(alone);

  const pool = createAnalysisPool({ workers: cores, queueSize: config.queueSize, modelDir, ...(workerExecArgv() === undefined ? {} : { execArgv: workerExecArgv() }) });
  await pool.whenReady();
  const direct = await measure(`worker pool, no HTTP, ${cores * 2} in flight`, cores * 2, seconds, async () => {
    await analyzeInPool(pool, photo, { maxPixels: config.limits.maxPixels, faceCrops: true });
    return 200;
  });
  print(describe(direct));
  results.push(direct);

  const app = buildServer(config, { pool, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  try {
    for (const concurrency of clients) {
      const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
      await post(agent, port, photo);
      const step = await measure(`server, ${concurrency} client${concurrency === 1 ? '' : 's'}`, concurrency, seconds, () => post(agent, port, photo));
      agent.destroy();
      print(describe(step));
      results.push(step);
    }
  } finally {
    await app.close();
    await pool.close();
  }
  // Measured again at the end: on a shared machine the background load drifts, and the mean of both is fairer.
  const aloneAgain = await pipelineAlone(photo, modelDir, cores, seconds);
  print(describe({ ...aloneAgain, label: `${aloneAgain.label} (again)` }));
  results.push(aloneAgain);
  const baseline = (alone.requestsPerSecond + aloneAgain.requestsPerSecond) / 2;
  const busiest = results.filter((r) => r.label.startsWith('server')).pop();
  if (busiest !== undefined) {
    print(`Throughput at ${busiest.concurrency} clients vs the pipeline alone (mean of both runs, ${baseline.toFixed(2)} req/s): ` +
      `${((busiest.requestsPerSecond / baseline) * 100).toFixed(0)}% (vs the worker pool without HTTP: ${((busiest.requestsPerSecond / direct.requestsPerSecond) * 100).toFixed(0)}%).`);
  }
  print(`Reproduce (load test only): BENCH_LOAD_SECONDS=${seconds} npx tsx -e "import('./bench/server-load.ts').then((m) => m.benchServerLoad())"`);
  return results;
}
