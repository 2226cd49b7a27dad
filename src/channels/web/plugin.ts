// The web channel: the page at "/" (check a photo, practise, settings) with its local assets, and the practice
// game's routes under /v1/practice. The page talks to the same public API as any app (/v1/analyze, /v1/flags,
// /v1/me). Services come from app.visage, decorated by buildServer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VisageError } from '../../errors.js';
import { practicePoolFromConfig, type PracticePool } from '../../practice/pool.js';
import { acceptsGzip, DEFAULT_ASSETS_DIR, loadAssets, makeAsset, type Asset } from './assets.js';
import { emotionStylesheet } from './emotion-styles.js';
import { practiceRoutes } from './practice-routes.js';

export interface WebChannelOptions {
  /** The built page (scripts/build-web.mjs); default <repo>/dist/web. */
  assetsDir?: string;
  /** The practice pool; by default one made from config.practice. Pass the server's shared one so FER2013 is read once. */
  pool?: PracticePool;
}

// Only this server's own files and API; photos arrive as blob: URLs or from /v1, practice faces as data: URLs.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  void reply
    .header('content-type', asset.contentType)
    .header('etag', asset.etag)
    .header('cache-control', 'no-cache')
    .header('vary', 'accept-encoding')
    .header('x-content-type-options', 'nosniff');
  if (asset.contentType.startsWith('text/html')) {
    void reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('referrer-policy', 'no-referrer');
  }
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  if (acceptsGzip(request.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(asset.gzipped);
  return reply.send(asset.body);
}

export async function webChannel(app: FastifyInstance, options: WebChannelOptions = {}): Promise<void> {
  const { config, store, rateLimiter } = app.visage;
  const assetsDir = options.assetsDir ?? DEFAULT_ASSETS_DIR;
  const assets = loadAssets(assetsDir);
  assets.set('/assets/emotions.css', makeAsset('emotions.css', Buffer.from(emotionStylesheet())));
  if (!assets.has('/')) app.log.warn({ assetsDir }, 'the web page is not built (npm run build); "/" answers 503');

  const serve = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const path = request.url.split('?')[0] ?? '/';
    const asset = assets.get(path);
    if (asset !== undefined) return sendAsset(request, reply, asset);
    if (path === '/') throw new VisageError('VSG_BUSY', 'The web page is not built on this server; run "npm run build".');
    throw new VisageError('VSG_NOT_FOUND', `There is no page file ${path}.`);
  };
  app.get('/', serve);
  app.get('/assets/*', serve);

  const pool = options.pool ?? practicePoolFromConfig(config.practice, store.flags);
  // The FER2013 file takes seconds to read: start once the server is up, so the first round rarely waits.
  app.addHook('onReady', async () => {
    pool.load().catch((error: unknown) => app.log.error({ err: error }, 'the practice pool could not be loaded'));
  });
  await app.register(practiceRoutes, { pool, store, rateLimiter });
}
