// The practice game over HTTP: GET /v1/practice/next (a face to read, inline as a data URL so its address gives
// nothing away), POST /v1/practice/answer, GET /v1/practice/progress. Rounds and progress are stored per player
// (anonymous browser cookie or X-Visage-User) through the store; the pool and the choice of face live in
// src/practice.
import type { FastifyInstance } from 'fastify';
import { VisageError } from '../../errors.js';
import { enforceRateLimit } from '../../services/rate-limit.js';
import { EMOTIONS, type Emotion } from '../../pipeline/types.js';
import { chooseNextItem, emotionWeights, focusEmotions, type Random } from '../../practice/choose.js';
import type { PracticePool } from '../../practice/pool.js';
import { emptySummary, toProgress, type PracticeProgress } from '../../practice/score.js';
import type { RateLimiter } from '../../services/rate-limit.js';
import type { PracticeRound } from '../../store/practice.js';
import type { Store } from '../../store/store.js';
import { identify, identifyOrCreate } from './browser-id.js';

export interface PracticeRoutesOptions {
  pool: PracticePool;
  store: Store;
  rateLimiter?: RateLimiter;
  random?: Random;
}

const answerBodySchema = {
  type: 'object',
  required: ['roundId', 'answer'],
  additionalProperties: false,
  properties: {
    roundId: { type: 'integer', minimum: 1 },
    answer: { type: 'string', enum: [...EMOTIONS] },
  },
} as const;

const NO_FACES =
  'There are no practice faces yet. The operator can add them with the settings practice.ferCsvPath (FER2013) or practice.photosDir (labelled photos).';

export async function practiceRoutes(app: FastifyInstance, options: PracticeRoutesOptions): Promise<void> {
  const { pool, store, rateLimiter } = options;
  const random = options.random ?? Math.random;

  if (rateLimiter !== undefined) {
    app.addHook('onRequest', async (request, reply) => enforceRateLimit(rateLimiter, request, reply));
  }

  const progressOf = async (userId: string): Promise<PracticeProgress> => {
    const summary = store.practice.summary(userId);
    const weights = emotionWeights(summary, store.practice.confusions(userId), await pool.byEmotion());
    return toProgress(summary, store.practice.daily(userId), focusEmotions(weights));
  };

  /** The open round when its face is still in the pool (a reload shows the same face), else a new one. */
  const roundFor = async (userId: string, channel: PracticeRound['channel']): Promise<PracticeRound> => {
    const open = store.practice.openRound(userId);
    if (open !== undefined && (await pool.item(open.itemId)) !== undefined) return open;
    const available = await pool.byEmotion();
    const lastId = open?.itemId;
    const item = chooseNextItem(store.practice.summary(userId), store.practice.confusions(userId), available, random, lastId);
    if (item === undefined) throw new VisageError('VSG_NOT_FOUND', NO_FACES);
    return store.practice.start({ userId, channel, itemId: item.id, expected: item.emotion });
  };

  app.get('/v1/practice/next', async (request, reply) => {
    const identity = identifyOrCreate(request, reply);
    const userId = store.users.resolve(identity.channel, identity.rawId);
    const round = await roundFor(userId, identity.channel);
    const image = await pool.image(round.itemId);
    void reply.header('cache-control', 'no-store');
    return {
      roundId: round.id,
      image: `data:${image.contentType};base64,${image.data.toString('base64')}`,
      choices: EMOTIONS,
    };
  });

  app.post<{ Body: { roundId: number; answer: Emotion } }>(
    '/v1/practice/answer',
    { schema: { body: answerBodySchema } },
    async (request) => {
      const identity = identify(request);
      if (identity === undefined) throw new VisageError('VSG_NOT_FOUND', 'There is no practice round for this browser; ask for a face first.');
      const userId = store.users.resolve(identity.channel, identity.rawId);
      const { round, correct } = store.practice.answer(userId, request.body.roundId, request.body.answer);
      return { roundId: round.id, correct, expected: round.expected, answer: round.answer, progress: await progressOf(userId) };
    },
  );

  app.get('/v1/practice/progress', async (request, reply) => {
    const identity = identify(request);
    void reply.header('cache-control', 'no-store');
    // Hashing writes nothing, so a visitor who never played leaves no trace by looking at the page.
    const userId = identity === undefined ? undefined : store.users.hash(identity.channel, identity.rawId);
    if (userId === undefined) return toProgress(emptySummary(), [], []);
    return progressOf(userId);
  });
}
