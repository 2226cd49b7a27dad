// The Messenger channel: the webhook at /webhooks/messenger. GET answers Facebook's verification; POST checks the
// X-Hub-Signature-256 HMAC on the raw bytes before anything else, records each message id (so a retried delivery,
// even after a restart, is answered once), answers 200 at once and does the work afterwards, one message at a time
// per user, in the order they came. Without the MESSENGER_* settings the channel stays off and says so at start.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { isVisageError, VisageError } from '../../errors.js';
import { createGraphClient, type GraphClient } from '../../messenger/graph-client.js';
import type { Chat, ChatDeps, ChatLog } from './chat.js';
import { createChat } from './chat.js';
import { createChatMemory } from './chat-memory.js';
import { handleEvent } from './conversation.js';
import { parseDelivery, SENDER_KEY_PREFIX, type IncomingEvent } from './events.js';
import { practicePoolFromConfig, type PracticePool } from '../../practice/pool.js';
import { createPoolDeck } from './practice-deck.js';
import { hasValidSignature, verificationChallenge } from './signature.js';

export const WEBHOOK_PATH = '/webhooks/messenger';

/** Webhook deliveries are small JSON documents; anything bigger is not from Messenger. */
const WEBHOOK_BODY_BYTES = 1024 * 1024;

export interface MessengerSettings {
  appSecret: string;
  pageAccessToken: string;
  verifyToken: string;
  graphUrl: string;
}

const REQUIRED = [
  ['appSecret', 'MESSENGER_APP_SECRET'],
  ['pageAccessToken', 'MESSENGER_PAGE_ACCESS_TOKEN'],
  ['verifyToken', 'MESSENGER_VERIFY_TOKEN'],
] as const;

export function messengerSettings(config: Config): { settings: MessengerSettings } | { missing: string[] } {
  const { appSecret, pageAccessToken, verifyToken, graphUrl } = config.messenger;
  if (appSecret !== undefined && pageAccessToken !== undefined && verifyToken !== undefined) {
    return { settings: { appSecret, pageAccessToken, verifyToken, graphUrl } };
  }
  return { missing: REQUIRED.filter(([key]) => config.messenger[key] === undefined).map(([, env]) => env) };
}

/** Runs each user's messages one after another, different users side by side; close() waits for all. */
function createSenderQueue() {
  const tails = new Map<string, Promise<void>>();
  return {
    push(senderId: string, work: () => Promise<void>): void {
      const next = (tails.get(senderId) ?? Promise.resolve()).then(work);
      tails.set(senderId, next);
      void next.finally(() => {
        if (tails.get(senderId) === next) tails.delete(senderId);
      });
    },
    async drain(): Promise<void> {
      while (tails.size > 0) await Promise.allSettled([...tails.values()]);
    },
  };
}

function answerEvent(graph: GraphClient, deps: ChatDeps, event: IncomingEvent): () => Promise<void> {
  return async () => {
    let chat: Chat | undefined;
    try {
      chat = createChat(graph, event.senderId, deps.services.store.users.resolve('messenger', event.senderId), deps.log);
      await handleEvent(chat, deps, event);
    } catch (error) {
      deps.log.error({ err: error, kind: event.kind }, 'a Messenger message could not be answered');
      await chat?.say(['Something went wrong on my side.', 'Please try again later.']).catch(() => false);
    }
  };
}

function isRepeat(deps: ChatDeps, event: IncomingEvent): boolean {
  try {
    const { store } = deps.services;
    const key = event.dedupKey.startsWith(SENDER_KEY_PREFIX) ? `${store.users.hash('messenger', event.senderId)}:${event.dedupKey}` : event.dedupKey;
    return store.messages.seen(key);
  } catch (error) {
    // Answering twice is better than never answering: the message goes on when its id cannot be recorded.
    if (!isVisageError(error)) throw error;
    deps.log.error({ code: error.code }, 'a Messenger message id could not be recorded; answering it anyway');
    return false;
  }
}

export interface MessengerChannelOptions {
  /** The practice pool; by default one made from config.practice. Pass the server's shared one so FER2013 is read once. */
  pool?: PracticePool;
}

export async function messengerChannel(app: FastifyInstance, options: MessengerChannelOptions = {}): Promise<void> {
  const services = app.visage;
  const found = messengerSettings(services.config);
  if ('missing' in found) {
    app.log.info({ missing: found.missing }, `Messenger webhook is off: set ${found.missing.join(', ')} to turn it on`);
    return;
  }
  const { settings } = found;
  const log: ChatLog = app.log.child({ channel: 'messenger' });
  const graph = createGraphClient({ graphUrl: settings.graphUrl, accessToken: settings.pageAccessToken, log });
  const deps: ChatDeps = {
    services,
    memory: createChatMemory(),
    // Loaded on the first game in the chat (unless shared and already loaded); empty without sources or accepted flags.
    deck: createPoolDeck(options.pool ?? practicePoolFromConfig(services.config.practice, services.store.flags)),
    log,
  };
  const queue = createSenderQueue();
  app.addHook('onClose', async () => queue.drain());

  // The signature covers the exact bytes Facebook sent, so this route keeps the raw body and parses it itself.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_BYTES }, (_request, body, done) => done(null, body));

  app.get(WEBHOOK_PATH, async (request, reply) => {
    const challenge = verificationChallenge(request.query as Record<string, unknown>, settings.verifyToken);
    if (challenge === undefined) throw new VisageError('VSG_FORBIDDEN', 'The webhook verification token does not match.');
    log.info({}, 'Messenger webhook verified');
    return reply.type('text/plain').send(challenge);
  });

  app.post(WEBHOOK_PATH, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (!hasValidSignature(settings.appSecret, raw, request.headers['x-hub-signature-256'])) {
      log.warn({}, 'refused a Messenger delivery: the X-Hub-Signature-256 header is missing or wrong');
      throw new VisageError('VSG_FORBIDDEN', 'The X-Hub-Signature-256 header is missing or does not match the body.');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new VisageError('VSG_REQUEST_INVALID', 'The webhook body is not JSON.');
    }
    const delivery = parseDelivery(body);
    if (!delivery.ok) throw new VisageError('VSG_REQUEST_INVALID', `The webhook body is not a Messenger delivery: ${delivery.reason}.`);
    for (const event of delivery.events) {
      if (isRepeat(deps, event)) {
        log.info({ kind: event.kind }, 'skipped a Messenger message that was already answered');
        continue;
      }
      queue.push(event.senderId, answerEvent(graph, deps, event));
    }
    return reply.type('text/plain').send('EVENT_RECEIVED');
  });

  log.info({ path: WEBHOOK_PATH }, `Messenger webhook is on at ${WEBHOOK_PATH}`);
}
