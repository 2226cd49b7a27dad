// A local stand-in for Facebook's Graph API (Send API and Messenger Profile API) on 127.0.0.1. It checks the page
// access token and each request against the shapes and limits Facebook documents, answers refusals the way the
// Graph API does ({error:{message,type,code,fbtrace_id}}), records what was sent, and can fail on purpose.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GRAPH_VERSION = 'v25.0';

export const LIMITS = {
  text: 2000,
  quickReplies: 13,
  quickReplyTitle: 20,
  payload: 1000,
  greeting: 160,
  menuItems: 20,
  menuTitle: 30,
  iceBreakers: 4,
  question: 80,
  uploadBytes: 25 * 1024 * 1024,
} as const;

const MESSAGING_TYPES = new Set(['RESPONSE', 'UPDATE', 'MESSAGE_TAG']);
const SENDER_ACTIONS = new Set(['typing_on', 'typing_off', 'mark_seen']);
const ATTACHMENT_TYPES = new Set(['image', 'audio', 'video', 'file', 'template']);

export interface SentQuickReply {
  content_type: string;
  title?: string;
  payload?: string;
}

/** One accepted Send API call. */
export type Sent =
  | { kind: 'action'; recipientId: string; action: string }
  | { kind: 'text'; recipientId: string; text: string; quickReplies: SentQuickReply[]; messagingType: string }
  | {
      kind: 'image';
      recipientId: string;
      quickReplies: SentQuickReply[];
      messagingType: string;
      upload?: { bytes: Buffer; contentType: string; filename: string };
      url?: string;
    };

/** Every request that reached the fake, accepted or not. */
export interface Attempt {
  method: string;
  path: string;
  status: number;
  recipientId?: string;
}

/** What the fake does with one request, decided by the test before it is checked. */
export interface Interception {
  status?: number;
  retryAfterS?: number;
  delayMs?: number;
}

export interface RequestView {
  method: string;
  path: string;
  recipientId?: string;
  kind?: Sent['kind'];
}

export interface FakeGraph {
  /** The base URL with version, as MESSENGER_GRAPH_URL takes it. */
  url: string;
  sent: Sent[];
  attempts: Attempt[];
  profile: Record<string, unknown>;
  /** Decides per request whether to fail it or answer slowly; undefined = answer normally. */
  intercept: ((request: RequestView) => Interception | undefined) | undefined;
  sentTo(recipientId: string): Sent[];
  close(): Promise<void>;
}

class Refusal extends Error {
  constructor(readonly status: number, message: string, readonly code = 100) {
    super(message);
  }
}

function refuse(message: string): never {
  throw new Refusal(400, `(#100) ${message}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJsonField(value: unknown, name: string): unknown {
  if (typeof value !== 'string') refuse(`param ${name} must be a JSON string`);
  try {
    return JSON.parse(value);
  } catch {
    return refuse(`param ${name} must be valid JSON`);
  }
}

function checkQuickReplies(value: unknown): SentQuickReply[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) refuse('param message[quick_replies] must be an array');
  if (value.length > LIMITS.quickReplies) refuse(`param message[quick_replies] must have at most ${LIMITS.quickReplies} elements`);
  return value.map((qr: unknown) => {
    if (!isObject(qr)) refuse('each quick reply must be an object');
    if (qr.content_type === 'text') {
      if (typeof qr.title !== 'string' || qr.title.length === 0) refuse('quick reply title is required');
      if ([...qr.title].length > LIMITS.quickReplyTitle) refuse(`quick reply title must be at most ${LIMITS.quickReplyTitle} characters`);
      if (typeof qr.payload !== 'string' || qr.payload.length === 0 || qr.payload.length > LIMITS.payload) {
        refuse(`quick reply payload must be 1 to ${LIMITS.payload} characters`);
      }
    } else if (qr.content_type !== 'user_phone_number' && qr.content_type !== 'user_email') {
      refuse('quick reply content_type must be text, user_phone_number or user_email');
    }
    return qr as unknown as SentQuickReply;
  });
}

function recipientOf(body: Record<string, unknown>): string {
  const recipient = body.recipient;
  if (!isObject(recipient) || typeof recipient.id !== 'string' || recipient.id === '') refuse('param recipient[id] is required');
  return recipient.id;
}

type Upload = { bytes: Buffer; contentType: string; filename: string };

function checkSend(body: Record<string, unknown>, upload: Upload | undefined): Sent {
  const recipientId = recipientOf(body);
  if (body.sender_action !== undefined) {
    if (body.message !== undefined) refuse('sender_action cannot be sent with message');
    if (typeof body.sender_action !== 'string' || !SENDER_ACTIONS.has(body.sender_action)) refuse('param sender_action is not valid');
    return { kind: 'action', recipientId, action: body.sender_action };
  }
  if (typeof body.messaging_type !== 'string' || !MESSAGING_TYPES.has(body.messaging_type)) refuse('param messaging_type must be RESPONSE, UPDATE or MESSAGE_TAG');
  const message = body.message;
  if (!isObject(message)) refuse('param message must be an object');
  const quickReplies = checkQuickReplies(message.quick_replies);
  if ((message.text === undefined) === (message.attachment === undefined)) refuse('message must have exactly one of text or attachment');
  if (message.text !== undefined) {
    if (typeof message.text !== 'string' || message.text.length === 0) refuse('param message[text] must be a non-empty string');
    if (message.text.length > LIMITS.text) refuse(`param message[text] must be UTF-8 encoded with ${LIMITS.text} or fewer characters`);
    return { kind: 'text', recipientId, text: message.text, quickReplies, messagingType: body.messaging_type };
  }
  const attachment = message.attachment;
  if (!isObject(attachment) || typeof attachment.type !== 'string' || !ATTACHMENT_TYPES.has(attachment.type)) refuse('param message[attachment][type] is not valid');
  if (attachment.type !== 'image') refuse('this fake only takes image attachments');
  const payload = isObject(attachment.payload) ? attachment.payload : {};
  const url = typeof payload.url === 'string' ? payload.url : undefined;
  if (upload === undefined && url === undefined && payload.attachment_id === undefined) refuse('an image needs payload.url, payload.attachment_id or an uploaded filedata');
  if (upload !== undefined && url !== undefined) refuse('send either filedata or payload.url, not both');
  return {
    kind: 'image',
    recipientId,
    quickReplies,
    messagingType: body.messaging_type,
    ...(upload === undefined ? {} : { upload }),
    ...(url === undefined ? {} : { url }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The Send API body, from JSON or from multipart/form-data (with the uploaded `filedata`). */
async function parseSendBody(req: IncomingMessage, raw: Buffer): Promise<{ body: Record<string, unknown>; upload?: Upload }> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    const body = JSON.parse(raw.toString('utf8')) as unknown;
    if (!isObject(body)) refuse('body must be a JSON object');
    return { body };
  }
  if (!type.startsWith('multipart/form-data')) refuse(`unsupported content type ${type}`);
  const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(raw) }).formData();
  const file = form.get('filedata');
  if (!(file instanceof Blob)) refuse('a multipart request must carry the file in the field "filedata"');
  if (file.size === 0 || file.size > LIMITS.uploadBytes) refuse('filedata must be 1 byte to 25 MB');
  if (!file.type.startsWith('image/')) refuse('filedata for an image attachment must have an image content type');
  const body: Record<string, unknown> = {
    recipient: parseJsonField(form.get('recipient'), 'recipient'),
    message: parseJsonField(form.get('message'), 'message'),
    messaging_type: form.get('messaging_type') ?? undefined,
  };
  const filename = 'name' in file && typeof file.name === 'string' ? file.name : '';
  return { body, upload: { bytes: Buffer.from(await file.arrayBuffer()), contentType: file.type, filename } };
}

function checkProfile(body: Record<string, unknown>, current: Record<string, unknown>): void {
  const known = new Set(['get_started', 'greeting', 'persistent_menu', 'ice_breakers']);
  for (const key of Object.keys(body)) if (!known.has(key)) refuse(`unknown profile field ${key}`);
  if (body.get_started !== undefined) {
    const gs = body.get_started;
    if (!isObject(gs) || typeof gs.payload !== 'string' || gs.payload.length === 0 || gs.payload.length > LIMITS.payload) refuse('get_started.payload is required');
  }
  if (body.greeting !== undefined) {
    if (!Array.isArray(body.greeting) || !body.greeting.some((g) => isObject(g) && g.locale === 'default')) refuse('greeting needs a default locale');
    for (const g of body.greeting as unknown[]) {
      if (!isObject(g) || typeof g.text !== 'string' || g.text.length > LIMITS.greeting) refuse(`greeting text must be at most ${LIMITS.greeting} characters`);
    }
  }
  if (body.persistent_menu !== undefined) {
    if (body.get_started === undefined && current.get_started === undefined) refuse('persistent_menu needs get_started to be set');
    if (!Array.isArray(body.persistent_menu)) refuse('persistent_menu must be an array');
    for (const menu of body.persistent_menu as unknown[]) {
      if (!isObject(menu) || typeof menu.locale !== 'string' || !Array.isArray(menu.call_to_actions)) refuse('persistent_menu entries need locale and call_to_actions');
      if (menu.call_to_actions.length > LIMITS.menuItems) refuse(`persistent_menu has at most ${LIMITS.menuItems} items`);
      for (const item of menu.call_to_actions as unknown[]) {
        if (!isObject(item) || typeof item.title !== 'string' || item.title.length > LIMITS.menuTitle) refuse(`menu item titles have at most ${LIMITS.menuTitle} characters`);
        if (item.type === 'postback' && (typeof item.payload !== 'string' || item.payload.length === 0)) refuse('postback menu items need a payload');
      }
    }
  }
  if (body.ice_breakers !== undefined) {
    if (!Array.isArray(body.ice_breakers)) refuse('ice_breakers must be an array');
    for (const entry of body.ice_breakers as unknown[]) {
      if (!isObject(entry) || !Array.isArray(entry.call_to_actions)) refuse('ice_breakers entries need call_to_actions');
      if (entry.call_to_actions.length > LIMITS.iceBreakers) refuse(`at most ${LIMITS.iceBreakers} ice breakers`);
      for (const q of entry.call_to_actions as unknown[]) {
        if (!isObject(q) || typeof q.question !== 'string' || q.question.length > LIMITS.question || typeof q.payload !== 'string') {
          refuse(`ice breaker questions have at most ${LIMITS.question} characters and a payload`);
        }
      }
    }
  }
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function graphError(message: string, code: number, type = 'OAuthException') {
  return { error: { message, type, code, fbtrace_id: 'FakeTrace' } };
}

export async function startFakeGraph(options: { accessToken: string }): Promise<FakeGraph> {
  const prefix = `/${GRAPH_VERSION}`;
  const fake: FakeGraph = {
    url: '',
    sent: [],
    attempts: [],
    profile: {},
    intercept: undefined,
    sentTo: (id) => fake.sent.filter((s) => s.recipientId === id),
    close: async () => undefined,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    const raw = await readBody(req);
    const attempt: Attempt = { method: req.method ?? '', path, status: 200 };
    fake.attempts.push(attempt);
    const finish = (status: number, body: unknown, headers?: Record<string, string>): void => {
      attempt.status = status;
      reply(res, status, body, headers);
    };
    try {
      if (url.searchParams.get('access_token') !== options.accessToken) throw new Refusal(401, 'Invalid OAuth access token - Cannot parse access token', 190);
      if (path === '/me/messages' && req.method === 'POST') {
        const { body, upload } = await parseSendBody(req, raw);
        const sent = checkSend(body, upload);
        attempt.recipientId = sent.recipientId;
        const plan = fake.intercept?.({ method: 'POST', path, recipientId: sent.recipientId, kind: sent.kind });
        if (plan?.delayMs !== undefined) await new Promise((r) => setTimeout(r, plan.delayMs));
        if (plan?.status !== undefined) {
          const headers: Record<string, string> = plan.retryAfterS === undefined ? {} : { 'retry-after': String(plan.retryAfterS) };
          const error = plan.status === 429 ? graphError('(#613) Calls to this api have exceeded the rate limit.', 613) : graphError('An unexpected error has occurred. Please retry your request later.', 2);
          return finish(plan.status, error, headers);
        }
        if (res.destroyed) return;
        fake.sent.push(sent);
        return finish(200, { recipient_id: sent.recipientId, ...(sent.kind === 'action' ? {} : { message_id: `m_fake_${fake.sent.length}` }) });
      }
      if (path === '/me/messenger_profile') {
        const plan = fake.intercept?.({ method: req.method ?? '', path });
        if (plan?.status !== undefined) return finish(plan.status, graphError('An unexpected error has occurred.', 2));
        if (req.method === 'GET') {
          const fields = (url.searchParams.get('fields') ?? '').split(',').filter((f) => f !== '');
          return finish(200, { data: [Object.fromEntries(fields.filter((f) => f in fake.profile).map((f) => [f, fake.profile[f]]))] });
        }
        if (req.method === 'POST') {
          if (!(req.headers['content-type'] ?? '').startsWith('application/json')) refuse('profile must be sent as JSON');
          const body = JSON.parse(raw.toString('utf8')) as unknown;
          if (!isObject(body)) refuse('body must be a JSON object');
          checkProfile(body, fake.profile);
          Object.assign(fake.profile, body);
          return finish(200, { result: 'success' });
        }
      }
      throw new Refusal(404, `Unknown path components: ${path}`, 2500);
    } catch (error) {
      if (error instanceof Refusal) return finish(error.status, graphError(error.message, error.code));
      if (error instanceof SyntaxError) return finish(400, graphError('(#100) The body is not valid JSON', 100));
      return finish(500, graphError(String(error), 1));
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${GRAPH_VERSION}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return fake;
}
