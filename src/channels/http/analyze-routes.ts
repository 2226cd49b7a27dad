// The photo routes: POST /v1/analyze (the CLI's JSON record plus analysisId), POST /v1/annotate (the annotated photo
// itself) and the recent-analysis lookups. Each analysis runs on the worker pool and is kept in the analysis cache
// for a while, with its face crops, so a flag can refer to a face by analysisId and face number.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VisageError } from '../../errors.js';
import { toAnalysisJson } from '../../index.js';
import type { VisageServices } from '../../services/visage-services.js';
import { analyzeInPool, type PooledAnalysis } from '../../services/worker-pool.js';
import { readImage } from './read-image.js';

type ImageFormat = 'png' | 'jpeg';

const CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = { png: 'image/png', jpeg: 'image/jpeg' };

const ANNOTATE_VALUES = { true: 'jpeg', false: undefined, jpeg: 'jpeg', png: 'png' } as const;

/** PNG when the client asks for PNG and not JPEG (or ranks PNG higher); JPEG otherwise. */
export function formatFromAccept(accept: string | undefined): ImageFormat {
  const ranked = (accept ?? '')
    .split(',')
    .map((item) => {
      const [type = '', ...params] = item.trim().toLowerCase().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? '1');
      return { type: type.trim(), q: Number.isFinite(q) ? q : 0 };
    })
    .filter((entry) => entry.q > 0);
  const quality = (type: string): number => ranked.find((entry) => entry.type === type)?.q ?? 0;
  return quality('image/png') > quality('image/jpeg') ? 'png' : 'jpeg';
}

async function analyse(request: FastifyRequest, services: VisageServices, annotate: ImageFormat | undefined) {
  const image = await readImage(request, services);
  const result: PooledAnalysis = await analyzeInPool(services.pool, image.bytes, {
    maxPixels: services.config.limits.maxPixels,
    faceCrops: true,
    ...(annotate === undefined ? {} : { annotate }),
  });
  const record = toAnalysisJson(image.source, result.analysis);
  const analysisId = services.analyses.put({
    analysis: record,
    faceCrops: result.faceCrops,
    ...(result.annotated === undefined ? {} : { annotated: result.annotated }),
  });
  services.metrics.countFaces(record.faces.length);
  return { analysisId, record, annotated: result.annotated };
}

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
  required: ['id'],
} as const;

export async function analyzeRoutes(app: FastifyInstance): Promise<void> {
  const services = app.visage;

  app.post<{ Querystring: { annotate?: keyof typeof ANNOTATE_VALUES } }>(
    '/v1/analyze',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { annotate: { type: 'string', enum: Object.keys(ANNOTATE_VALUES) } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const annotate = ANNOTATE_VALUES[request.query.annotate ?? 'false'];
      const { analysisId, record, annotated } = await analyse(request, services, annotate);
      const link = annotated === undefined ? {} : {
        annotated: { url: `/v1/analyses/${analysisId}/annotated`, contentType: CONTENT_TYPES[annotated.format] },
      };
      return { analysisId, ...record, ...link };
    },
  );

  app.post('/v1/annotate', async (request, reply) => {
    const format = formatFromAccept(request.headers.accept);
    const { analysisId, record, annotated } = await analyse(request, services, format);
    if (annotated === undefined) throw new Error('The pipeline returned no annotated image although one was asked for.');
    return reply
      .type(CONTENT_TYPES[annotated.format])
      .header('x-visage-analysis-id', analysisId)
      .header('x-visage-faces', String(record.faces.length))
      .send(annotated.data);
  });

  app.get<{ Params: { id: string } }>('/v1/analyses/:id', { schema: { params: idParams } }, async (request) => {
    const entry = services.analyses.get(request.params.id);
    if (entry === undefined) throw new VisageError('VSG_NOT_FOUND', 'There is no recent analysis with this id; it may have expired.');
    return { analysisId: request.params.id, ...entry.analysis };
  });

  app.get<{ Params: { id: string } }>('/v1/analyses/:id/annotated', { schema: { params: idParams } }, async (request, reply) => {
    const annotated = services.analyses.get(request.params.id)?.annotated;
    if (annotated === undefined) {
      throw new VisageError('VSG_NOT_FOUND', 'There is no recent annotated image with this id; it may have expired or was not asked for.');
    }
    return reply.type(CONTENT_TYPES[annotated.format]).header('cache-control', 'private, max-age=60').send(annotated.data);
  });
}
