// Operations routes: liveness, readiness, Prometheus metrics and the API description. They are not rate-limited.
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { renderDocsPage } from './docs-page.js';
import { openApiDocument } from './openapi.js';

function packageVersion(): string {
  return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
}

export async function opsRoutes(app: FastifyInstance): Promise<void> {
  const { pool, metrics, analyses } = app.visage;
  const document = openApiDocument(packageVersion());
  const docsPage = renderDocsPage(document);

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const state = pool.state();
    const { ready, size } = pool.stats();
    return reply.code(state === 'ready' ? 200 : 503).send({ status: state, workersReady: ready, workers: size });
  });

  app.get('/metrics', async (_request, reply) => {
    const stats = pool.stats();
    const text = metrics.render({
      queueDepth: stats.queued,
      queueSize: stats.queueSize,
      workersBusy: stats.busy,
      workersReady: stats.ready,
      workers: stats.size,
      analysesCached: analyses.size(),
    });
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  app.get('/openapi.json', async () => document);
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(docsPage));
}
