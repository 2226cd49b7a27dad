// The services the server shares with its channels, decorated on the fastify instance as `app.visage` by
// buildServer. Channels read them; only server.ts creates them.
import type { Config } from '../config.js';
import type { FetchedImage } from '../net/fetch-image.js';
import type { AnalysisCache, Clock } from './analysis-cache.js';
import type { Metrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';
import type { AnalysisPool } from './worker-pool.js';
import type { Store } from '../store/store.js';

export interface VisageServices {
  readonly config: Config;
  /** Inference off the event loop; use analyzeInPool(pool, bytes, options). */
  readonly pool: AnalysisPool;
  /** Recent analyses by analysisId (JSON, face crops, annotated image). */
  readonly analyses: AnalysisCache;
  /** The database (flags, practice, message ids, hashed users); SQL stays inside src/store. */
  readonly store: Store;
  readonly metrics: Metrics;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  /** Fetches a photo by link with the configured limits, allow list and resolver. */
  fetchImage(link: string): Promise<FetchedImage>;
}

declare module 'fastify' {
  interface FastifyInstance {
    visage: VisageServices;
  }
}
