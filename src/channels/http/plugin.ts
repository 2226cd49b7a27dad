// The HTTP channel: the public API under /v1 (rate-limited per client, refused early when the workers are saturated)
// and the operations routes. Services come from app.visage, decorated by buildServer.
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { VisageError } from '../../errors.js';
import { enforceRateLimit } from '../../services/rate-limit.js';
import { analyzeRoutes } from './analyze-routes.js';
import { opsRoutes } from './ops-routes.js';
import { RAW_IMAGE_TYPES } from './read-image.js';

const JSON_BODY_BYTES = 64 * 1024;

async function apiRoutes(app: FastifyInstance): Promise<void> {
  const { config, rateLimiter, pool } = app.visage;
  await app.register(multipart, { limits: { fileSize: config.limits.bodyBytes, files: 1 } });
  app.addContentTypeParser(RAW_IMAGE_TYPES, { parseAs: 'buffer', bodyLimit: config.limits.bodyBytes }, (_request, body, done) => {
    done(null, body);
  });
  // A JSON body only carries a link: parsing megabytes of JSON would be work for nothing.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_BYTES }, app.getDefaultJsonParser('error', 'error'));

  // Runs before the body is read, so a saturated server or a client over its rate costs no upload or fetch.
  app.addHook('onRequest', async (request, reply) => {
    enforceRateLimit(rateLimiter, request, reply);
    if (request.method === 'POST' && pool.state() !== 'failed' && !pool.hasRoom()) {
      throw new VisageError('VSG_BUSY', 'Visage is analysing as many photos as it can right now; try again in a moment.');
    }
  });

  await app.register(analyzeRoutes);
}

export async function httpChannel(app: FastifyInstance): Promise<void> {
  await app.register(opsRoutes);
  await app.register(apiRoutes);
}
