// Flags over HTTP: the web page (or an app) says which face of a recent analysis Visage got wrong. The face is
// looked up in the in-memory analysis cache, and the flag (with the face crop) is acknowledged only after its
// transaction committed. Also "forget me" and the operator's review endpoints (Bearer operator token). Errors are
// thrown as VisageErrors and answered by the server's error handler (error-replies.ts) like every other route.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VisageError } from '../../errors.js';
import { enforceRateLimit } from '../../services/rate-limit.js';
import { EMOTIONS, type Emotion } from '../../pipeline/types.js';
import type { AnalysisCache } from '../../services/analysis-cache.js';
import type { RateLimiter } from '../../services/rate-limit.js';
import { FLAG_STATUSES, type FlagStatus, MAX_COMMENT_LENGTH } from '../../store/flags.js';
import { checkRetentionDays, schedulePurge } from '../../store/retention.js';
import type { Store } from '../../store/store.js';
import { USER_COOKIE_NAME, USER_HEADER_NAME, type UserChannel } from '../../store/users.js';

export interface FlagsPluginOptions {
  store: Store;
  /** Recent analyses by id (the server's analysis cache); undefined once one expired. */
  analyses: Pick<AnalysisCache, 'get'>;
  /** Bearer token for the review endpoints; without one they answer 403. */
  operatorToken?: string;
  /** Purge data older than this many days at start and then daily; undefined: no purge here. */
  retentionDays?: number;
  purgeIntervalMs?: number;
  /** The server's per-client limiter, shared with /v1/analyze. */
  rateLimiter?: RateLimiter;
}

const COOKIE_ID = /^[A-Za-z0-9_-]{16,64}$/;
const COOKIE_MAX_AGE_S = 365 * 86_400;
const DAY_MS = 86_400_000;

interface Identity {
  channel: UserChannel;
  rawId: string;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** An app sends its own user id in X-Visage-User; a browser carries an anonymous id in a cookie. */
function identify(request: FastifyRequest): Identity | undefined {
  const header = request.headers[USER_HEADER_NAME];
  if (typeof header === 'string' && header.length > 0) return { channel: 'api', rawId: header };
  const cookie = readCookie(request.headers.cookie, USER_COOKIE_NAME);
  if (cookie !== undefined && COOKIE_ID.test(cookie)) return { channel: 'web', rawId: cookie };
  return undefined;
}

function cookieHeader(request: FastifyRequest, value: string, maxAgeS: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${USER_COOKIE_NAME}=${value}; Path=/; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${secure}`;
}

function sameSecret(given: string, expected: string): boolean {
  // Hash both so the comparison is constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function requireOperator(request: FastifyRequest, token: string | undefined): void {
  if (token === undefined) {
    throw new VisageError('VSG_FORBIDDEN', 'Flag review over HTTP is off: set operatorToken (VISAGE_OPERATOR_TOKEN) to turn it on.');
  }
  const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
  if (match?.[1] === undefined || !sameSecret(match[1], token)) {
    throw new VisageError('VSG_UNAUTHORIZED', 'The review endpoints need "Authorization: Bearer <operator token>".');
  }
}

interface FlagBody {
  analysisId: string;
  face: number;
  emotion: Emotion;
  comment?: string;
}

const flagBodySchema = {
  type: 'object',
  required: ['analysisId', 'face', 'emotion'],
  additionalProperties: false,
  properties: {
    analysisId: { type: 'string', minLength: 1, maxLength: 128 },
    face: { type: 'integer', minimum: 1, maximum: 10_000 },
    emotion: { type: 'string', enum: [...EMOTIONS] },
    comment: { type: 'string', maxLength: MAX_COMMENT_LENGTH },
  },
} as const;

const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...FLAG_STATUSES, 'all'] },
    after: { type: 'integer', minimum: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;

const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1 } },
} as const;

const reviewBodySchema = {
  type: 'object',
  required: ['decision'],
  additionalProperties: false,
  properties: { decision: { type: 'string', enum: ['accept', 'reject'] } },
} as const;

export async function flagsPlugin(app: FastifyInstance, options: FlagsPluginOptions): Promise<void> {
  const { store, analyses, operatorToken } = options;

  const { rateLimiter } = options;
  if (rateLimiter !== undefined) {
    app.addHook('onRequest', async (request, reply) => enforceRateLimit(rateLimiter, request, reply));
  }

  if (options.retentionDays !== undefined) {
    const days = checkRetentionDays(options.retentionDays);
    let stop: (() => void) | undefined;
    app.addHook('onReady', async () => {
      stop = schedulePurge(
        () => store.purgeExpired(days),
        options.purgeIntervalMs ?? DAY_MS,
        (counts) => app.log.info({ purged: counts, retentionDays: days }, 'retention purge done'),
        (error) => app.log.error({ err: error }, 'retention purge failed'),
      );
    });
    app.addHook('onClose', async () => stop?.());
  }

  app.post<{ Body: FlagBody }>('/v1/flags', { schema: { body: flagBodySchema } }, async (request, reply) => {
    const { analysisId, face, emotion, comment } = request.body;
    const cached = analyses.get(analysisId);
    if (cached === undefined) {
      throw new VisageError('VSG_NOT_FOUND', `Analysis ${analysisId} has expired or never existed; analyse the photo again to flag a face.`);
    }
    const result = cached.analysis.faces[face - 1];
    if (result === undefined) {
      throw new VisageError('VSG_REQUEST_INVALID', `Face ${face} does not exist; the photo has ${cached.analysis.faces.length} face(s).`);
    }
    const crop = cached.faceCrops[face - 1];
    if (crop === undefined) throw new VisageError('VSG_NOT_FOUND', `The crop of face ${face} is no longer available.`);
    let identity = identify(request);
    if (identity === undefined) {
      identity = { channel: 'web', rawId: randomBytes(18).toString('base64url') };
      void reply.header('set-cookie', cookieHeader(request, identity.rawId, COOKIE_MAX_AGE_S));
    }
    const userId = store.users.resolve(identity.channel, identity.rawId);
    // add() returns only after COMMIT; a storage failure throws VSG_STORAGE_FAILED (503) and nothing is acknowledged.
    const stored = store.flags.add({
      userId,
      channel: identity.channel,
      analysisId,
      faceNumber: face,
      predicted: result.emotion,
      scores: result.scores,
      label: emotion,
      comment,
      cropPng: crop,
    });
    return reply.code(stored.created ? 201 : 200).send({ id: stored.id, status: 'pending' });
  });

  app.delete('/v1/me', async (request, reply) => {
    const identity = identify(request);
    const userId = identity && store.users.hash(identity.channel, identity.rawId);
    const deleted = userId === undefined ? { users: 0, flags: 0, practiceRounds: 0 } : store.users.delete(userId);
    if (identity?.channel === 'web') void reply.header('set-cookie', cookieHeader(request, '', 0));
    return reply.code(200).send({ deleted });
  });

  app.get<{ Querystring: { status?: FlagStatus | 'all'; after?: number; limit?: number } }>(
    '/v1/flags',
    { schema: { querystring: listQuerySchema } },
    async (request) => {
      requireOperator(request, operatorToken);
      const { status = 'pending', after = 0, limit = 100 } = request.query;
      const flags = store.flags.list({ status, afterId: after, limit });
      return { flags, counts: store.flags.countByStatus() };
    },
  );

  app.get<{ Params: { id: number } }>('/v1/flags/:id/crop.png', { schema: { params: idParamsSchema } }, async (request, reply) => {
    requireOperator(request, operatorToken);
    const flag = store.flags.getWithCrop(request.params.id);
    if (flag === undefined) throw new VisageError('VSG_NOT_FOUND', `There is no flag ${request.params.id}.`);
    return reply.type('image/png').header('cache-control', 'no-store').send(flag.cropPng);
  });

  app.post<{ Params: { id: number }; Body: { decision: 'accept' | 'reject' } }>(
    '/v1/flags/:id/review',
    { schema: { params: idParamsSchema, body: reviewBodySchema } },
    async (request) => {
      requireOperator(request, operatorToken);
      const flag = store.flags.review(request.params.id, request.body.decision);
      return { id: flag.id, status: flag.status, reviewedAt: flag.reviewedAt };
    },
  );
}
