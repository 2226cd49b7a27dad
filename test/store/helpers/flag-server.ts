// The real server (buildServer with its config, store and flag routes) for the crash test, run as its own process.
// Flags need no inference, so the model pool is a stand-in; recent analyses are put in the cache up front.
// Prints {"port", "analysisIds"} once it listens on 127.0.0.1.
import { loadConfig } from '../../../src/config.js';
import { VisageError } from '../../../src/errors.js';
import { buildServer } from '../../../src/server.js';
import type { AnalysisPool } from '../../../src/services/worker-pool.js';
import { makeCachedAnalysis } from './analysis-fixtures.js';

const [dataDir = '', countText = '1'] = process.argv.slice(2);

const noInference: AnalysisPool = {
  run: () => Promise.reject(new VisageError('VSG_BUSY', 'This test server does not analyse photos.')),
  hasRoom: () => true,
  state: () => 'ready',
  whenReady: () => Promise.resolve(),
  stats: () => ({ size: 0, ready: 0, busy: 0, queued: 0, queueSize: 0 }),
  close: () => Promise.resolve(),
};

const config = loadConfig({
  env: { VISAGE_DATA_DIR: dataDir, VISAGE_RATE_LIMIT_PER_SECOND: '0', VISAGE_OPERATOR_TOKEN: 'crash-test-operator' },
});
const app = buildServer(config, { pool: noInference, logger: false });
await app.ready();
const entry = await makeCachedAnalysis();
const analysisIds = Array.from({ length: Number(countText) }, () => app.visage.analyses.put(entry));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port), analysisIds })}\n`);
