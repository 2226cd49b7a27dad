// Puts the server together: fastify with Visage's limits and log rules, the shared services decorated as app.visage,
// one error shape for every failure, request metrics, and the channels. It does not listen; callers do.
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { clientErrorHandler, installErrorReplies } from './channels/http/error-replies.js';
import { httpChannel } from './channels/http/plugin.js';
import { flagsPlugin } from './channels/http/flags.js';
import { messengerChannel } from './channels/messenger/plugin.js';
import { webChannel } from './channels/web/plugin.js';
import { practicePoolFromConfig } from './practice/pool.js';
import { fetchImage } from './net/fetch-image.js';
import type { Resolver } from './net/resolve.js';
import { createAnalysisCache, systemClock, type Clock } from './services/analysis-cache.js';
import { createMetrics } from './services/metrics.js';
import { createRateLimiter } from './services/rate-limit.js';
import type { VisageServices } from './services/visage-services.js';
import { createAnalysisPool, type AnalysisPool } from './services/worker-pool.js';
import { openDataStore, type Store } from './store/store.js';

export interface ServerDeps {
  /** The inference pool; created from the config (and closed with the server) when not given. */
  pool?: AnalysisPool;
  clock?: Clock;
  /** How link hosts are resolved (tests pass their own so no real DNS or remote address is ever used). */
  resolver?: Resolver;
  /** fastify's logger option; by default pino at config.logLevel on stdout. */
  logger?: FastifyServerOptions['logger'];
  /** The database; opened from config.dataDir (<dataDir>/visage.db) and closed with the server when not given. */
  store?: Store;
  /** More channels (fastify plugins) to register after the HTTP channel; they see app.visage. */
  plugins?: readonly FastifyPluginAsync[];
}

// Logs carry the method and path only: no query strings (tokens travel there), no client addresses, no bodies.
const serializers = {
  req: (req: { method: string; url: string; id: string }) => ({ method: req.method, path: req.url.split('?')[0], id: req.id }),
  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
};

export function defaultLogger(config: Config, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    serializers,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-hub-signature-256"]'],
    ...(stream === undefined ? {} : { stream }),
  };
}

export function buildServer(config: Config, deps: ServerDeps = {}): FastifyInstance {
  const { requestTimeoutMs, bodyBytes } = config.limits;
  const app = Fastify({
    logger: deps.logger ?? defaultLogger(config),
    bodyLimit: bodyBytes,
    requestTimeout: requestTimeoutMs,
    // Node checks for requests that take too long to arrive only every connectionsCheckingInterval; keep it short.
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(requestTimeoutMs, 60_000),
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(requestTimeoutMs / 4))),
    },
    clientErrorHandler,
    return503OnClosing: true,
  });
  const clock = deps.clock ?? systemClock;
  // Opened before the pool, so a database that cannot be opened fails the start without leaving workers behind.
  const store = deps.store ?? openDataStore(config.dataDir);
  const pool = deps.pool ?? createAnalysisPool({ workers: config.workers, queueSize: config.queueSize, modelDir: config.modelDir });
  const services: VisageServices = {
    config,
    pool,
    store,
    clock,
    analyses: createAnalysisCache({ ttlMs: config.analysisTtlMs, maxEntries: config.analysisMaxEntries }, clock),
    metrics: createMetrics(),
    rateLimiter: createRateLimiter(config.rateLimit, clock),
    fetchImage: (link) =>
      fetchImage(link, { ...config.fetch, ...(deps.resolver === undefined ? {} : { resolver: deps.resolver }) }),
  };
  app.decorate('visage', services);
  installErrorReplies(app);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    services.metrics.observeRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  if (deps.pool === undefined) app.addHook('onClose', async () => pool.close());
  if (deps.store === undefined) app.addHook('onClose', async () => store.close());
  void app.register(httpChannel);
  void app.register(flagsPlugin, {
    store,
    analyses: services.analyses,
    operatorToken: config.operatorToken,
    retentionDays: config.retentionDays,
    rateLimiter: services.rateLimiter,
  });
  // One practice pool for the page and the chat, so FER2013 is read once.
  const practicePool = practicePoolFromConfig(config.practice, store.flags);
  void app.register(webChannel, { pool: practicePool });
  // Off (and logged as off) when the MESSENGER_* settings are absent.
  void app.register(messengerChannel, { pool: practicePool });
  for (const plugin of deps.plugins ?? []) void app.register(plugin);
  return app;
}
