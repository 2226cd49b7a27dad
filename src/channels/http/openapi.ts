// The OpenAPI 3.1 description of the HTTP API, served at /openapi.json and rendered at /docs. Written by hand so it
// reads as documentation; the server test checks that every route it lists answers.
import { ERROR_CODES } from '../../errors.js';
import { EMOTIONS } from '../../index.js';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const imageBody = {
  required: true,
  description:
    'The photo, in one of three forms. Its format is recognised from its bytes (JPEG, PNG, WebP, GIF, AVIF, TIFF), not from the declared type.',
  content: {
    'multipart/form-data': {
      schema: { type: 'object', properties: { image: { type: 'string', format: 'binary' } }, required: ['image'] },
    },
    'image/*': { schema: { type: 'string', format: 'binary' } },
    'application/json': {
      schema: {
        type: 'object',
        properties: { url: { type: 'string', format: 'uri', description: 'An http(s) link to the photo. Local, private and special addresses are refused.' } },
        required: ['url'],
      },
    },
  },
};

const commonErrors = {
  '400': errorResponse('Malformed request, or a link Visage may not fetch (VSG_REQUEST_INVALID, VSG_URL_INVALID, VSG_URL_FORBIDDEN, VSG_IMAGE_EMPTY).'),
  '413': errorResponse('The body, the photo behind the link or the photo\'s pixel count is over the limit.'),
  '415': errorResponse('Not an image Visage reads, or a content type it does not accept.'),
  '422': errorResponse('The image is damaged, truncated or too small to hold a face.'),
  '429': errorResponse('Too many requests from this client; see Retry-After.'),
  '502': errorResponse('The photo behind the link could not be fetched in time.'),
  '503': errorResponse('Busy: every worker is analysing and the queue is full; see Retry-After.'),
};

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Visage API',
      version,
      description: 'Visage finds every face in a photo, names what each person seems to feel, in plain words, and draws the answer on the photo.',
    },
    paths: {
      '/v1/analyze': {
        post: {
          summary: 'Analyse a photo',
          description:
            'Answers with the same JSON record as `visage analyze --json`, plus an `analysisId` that stays valid for a while. With `?annotate=true` (JPEG) or `?annotate=png` the answer also holds `annotated.url`, a link to the annotated photo.',
          parameters: [{ name: 'annotate', in: 'query', schema: { type: 'string', enum: ['true', 'false', 'jpeg', 'png'] } }],
          requestBody: imageBody,
          responses: { '200': { description: 'The analysis.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Analysis' } } } }, ...commonErrors },
        },
      },
      '/v1/annotate': {
        post: {
          summary: 'Get the annotated photo',
          description: 'Answers with the photo, each face boxed, numbered and labelled. PNG when the Accept header prefers image/png, JPEG otherwise. Headers: X-Visage-Analysis-Id, X-Visage-Faces.',
          requestBody: imageBody,
          responses: {
            '200': { description: 'The annotated photo.', content: { 'image/jpeg': {}, 'image/png': {} } },
            ...commonErrors,
          },
        },
      },
      '/v1/analyses/{id}': {
        get: {
          summary: 'A recent analysis again',
          parameters: [idParameter],
          responses: { '200': { description: 'The analysis.' }, '404': errorResponse('Unknown or expired.') },
        },
      },
      '/v1/analyses/{id}/annotated': {
        get: {
          summary: 'The annotated photo of a recent analysis made with ?annotate',
          parameters: [idParameter],
          responses: { '200': { description: 'The image.', content: { 'image/jpeg': {}, 'image/png': {} } }, '404': errorResponse('Unknown or expired.') },
        },
      },
      '/healthz': { get: { summary: 'The process is alive', responses: { '200': { description: '{"status":"ok"}' } } } },
      '/readyz': {
        get: { summary: 'The models are loaded and the server takes photos', responses: { '200': { description: 'Ready.' }, '503': { description: 'Starting or failed.' } } },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain; version=0.0.4' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/docs': { get: { summary: 'Readable API documentation', responses: { '200': { description: 'HTML' } } } },
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: { code: { type: 'string', enum: Object.keys(ERROR_CODES) }, message: { type: 'string' } },
              required: ['code', 'message'],
            },
          },
          required: ['error'],
        },
        Analysis: {
          type: 'object',
          properties: {
            analysisId: { type: 'string', format: 'uuid' },
            source: { type: 'string' },
            width: { type: 'integer' },
            height: { type: 'integer' },
            faces: {
              type: 'array',
              description: 'In reading order; face number n is faces[n-1].',
              items: {
                type: 'object',
                properties: {
                  box: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number' }, height: { type: 'number' } } },
                  emotion: { type: 'string', enum: [...EMOTIONS] },
                  confidence: { type: 'number' },
                  scores: { type: 'object', properties: Object.fromEntries(EMOTIONS.map((e) => [e, { type: 'number' }])) },
                  description: { type: 'string' },
                },
              },
            },
            annotated: { type: 'object', properties: { url: { type: 'string' }, contentType: { type: 'string' } } },
          },
        },
      },
    },
  };
}
