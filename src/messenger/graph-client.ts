// A small client for the parts of Facebook's Graph API that Visage uses: the Send API (/me/messages, JSON or a
// multipart upload with `filedata`) and the Messenger Profile API (/me/messenger_profile). Rate limits and
// server errors (429, 5xx, network failures, timeouts) are retried with exponential backoff up to a cap on
// attempts; other refusals fail at once. The page access token travels only in the query string of the request
// and is never written to a log line or an error message.
import { invalidOption, VisageError } from '../errors.js';

/** The pino-style subset of a logger the client writes to. */
export interface GraphLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface GraphClientOptions {
  /** Base URL with the API version, e.g. https://graph.facebook.com/v25.0. */
  graphUrl: string;
  accessToken: string;
  /** Tries per request, the first one included. */
  maxAttempts?: number;
  /** First backoff; it doubles each retry (with jitter), up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** One attempt's limit; a slower answer counts as a failure and is retried. */
  timeoutMs?: number;
  log?: GraphLog;
  /** Waits between attempts; tests may pass their own. */
  sleep?: (ms: number) => Promise<void>;
}

export const GRAPH_DEFAULTS = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000, timeoutMs: 15_000 } as const;

export type SenderAction = 'mark_seen' | 'typing_on' | 'typing_off';

export interface QuickReply {
  content_type: 'text';
  title: string;
  payload: string;
}

export interface OutgoingMessage {
  text?: string;
  attachment?: { type: 'image'; payload: { url?: string; attachment_id?: string; is_reusable?: boolean } };
  quick_replies?: QuickReply[];
}

export interface ImageUpload {
  data: Buffer;
  contentType: 'image/jpeg' | 'image/png';
  filename: string;
}

export interface SendResult {
  recipient_id?: string;
  message_id?: string;
}

export interface GraphClient {
  sendMessage(recipientId: string, message: OutgoingMessage): Promise<SendResult>;
  /** Uploads the image with the message as multipart `filedata` (one request, no public URL needed). */
  sendImage(recipientId: string, image: ImageUpload, quickReplies?: QuickReply[]): Promise<SendResult>;
  senderAction(recipientId: string, action: SenderAction, options?: { maxAttempts?: number }): Promise<void>;
  setProfile(profile: object): Promise<void>;
  getProfile(fields: readonly string[]): Promise<unknown>;
}

interface Attempt {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  /** Built again for every attempt: a FormData or stream body cannot be sent twice. */
  body?: () => { body: string | FormData; contentType?: string };
  maxAttempts?: number;
}

interface GraphFailure {
  status: number;
  retryable: boolean;
  detail: string;
  retryAfterMs?: number;
}

const RETRYABLE_STATUS = (status: number): boolean => status === 429 || status >= 500;

function checkOptions(options: GraphClientOptions): Required<Omit<GraphClientOptions, 'log'>> & { log?: GraphLog } {
  if (!/^https?:\/\/\S+$/.test(options.graphUrl)) throw invalidOption('graphUrl', 'an http(s) URL', options.graphUrl);
  if (typeof options.accessToken !== 'string' || options.accessToken === '') {
    throw new VisageError('VSG_OPTION_INVALID', 'Option "accessToken" must be a non-empty string (the page access token).');
  }
  const merged = { ...GRAPH_DEFAULTS, sleep: defaultSleep, ...stripUndefined(options) };
  for (const name of ['maxAttempts', 'baseDelayMs', 'maxDelayMs', 'timeoutMs'] as const) {
    const value = merged[name];
    const min = name === 'maxAttempts' ? 1 : 0;
    if (!Number.isInteger(value) || value < min) throw invalidOption(name, `an integer >= ${min}`, value);
  }
  return { ...merged, accessToken: options.accessToken, graphUrl: options.graphUrl.replace(/\/+$/, '') };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Exponential backoff with "equal jitter": half fixed, half random, so many clients do not retry in step. */
export function backoffMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Facebook's error body: {error:{message,type,code,error_subcode,fbtrace_id}}; only safe fields are kept. */
function describeGraphError(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown; code?: unknown; error_subcode?: unknown } };
    const error = parsed.error;
    if (error !== undefined) {
      const message = typeof error.message === 'string' ? error.message.slice(0, 200) : 'no message';
      return `Graph error ${String(error.code ?? '?')}${error.error_subcode === undefined ? '' : `/${String(error.error_subcode)}`}: ${message}`;
    }
  } catch {
    // not JSON: fall through
  }
  return text.length === 0 ? 'empty answer' : `non-JSON answer (${text.length} bytes)`;
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const settings = checkOptions(options);
  const { log } = settings;

  // The token is removed from anything that could reach a log or an error message.
  const scrub = (text: string): string => text.split(settings.accessToken).join('[token]');

  const once = async (attempt: Attempt): Promise<{ ok: true; json: unknown } | { ok: false; failure: GraphFailure }> => {
    const url = new URL(`${settings.graphUrl}${attempt.path}`);
    for (const [key, value] of Object.entries(attempt.query ?? {})) url.searchParams.set(key, value);
    url.searchParams.set('access_token', settings.accessToken);
    const prepared = attempt.body?.();
    try {
      const response = await fetch(url, {
        method: attempt.method,
        signal: AbortSignal.timeout(settings.timeoutMs),
        ...(prepared === undefined ? {} : { body: prepared.body }),
        ...(prepared?.contentType === undefined ? {} : { headers: { 'content-type': prepared.contentType } }),
      });
      const text = await response.text();
      if (response.ok) return { ok: true, json: text === '' ? {} : (JSON.parse(text) as unknown) };
      const failure: GraphFailure = {
        status: response.status,
        retryable: RETRYABLE_STATUS(response.status),
        detail: scrub(describeGraphError(text)),
      };
      const after = retryAfterMs(response.headers.get('retry-after'));
      return { ok: false, failure: after === undefined ? failure : { ...failure, retryAfterMs: after } };
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      const detail = timedOut ? `no answer within ${settings.timeoutMs} ms` : `network error: ${error instanceof Error ? error.message : String(error)}`;
      return { ok: false, failure: { status: 0, retryable: true, detail: scrub(detail) } };
    }
  };

  const request = async (attempt: Attempt): Promise<unknown> => {
    const maxAttempts = attempt.maxAttempts ?? settings.maxAttempts;
    for (let n = 1; ; n += 1) {
      const result = await once(attempt);
      if (result.ok) return result.json;
      const { failure } = result;
      const details = { path: attempt.path, status: failure.status, attempt: n, maxAttempts, detail: failure.detail };
      if (!failure.retryable || n >= maxAttempts) {
        log?.error(details, failure.retryable ? 'Graph API request failed; giving up after the last attempt' : 'Graph API refused the request');
        const what = failure.status === 0 ? failure.detail : `status ${failure.status} (${failure.detail})`;
        throw new VisageError('VSG_GRAPH_FAILED', `The Graph API request ${attempt.method} ${attempt.path} failed after ${n} attempt(s): ${what}.`);
      }
      const waitMs = Math.min(settings.maxDelayMs, failure.retryAfterMs ?? backoffMs(n, settings.baseDelayMs, settings.maxDelayMs));
      log?.warn({ ...details, waitMs }, 'Graph API request failed; retrying');
      await settings.sleep(waitMs);
    }
  };

  const json = (value: object) => () => ({ body: JSON.stringify(value), contentType: 'application/json' });

  return {
    async sendMessage(recipientId, message) {
      const body = { recipient: { id: recipientId }, messaging_type: 'RESPONSE', message };
      return (await request({ method: 'POST', path: '/me/messages', body: json(body) })) as SendResult;
    },
    async sendImage(recipientId, image, quickReplies) {
      const message: OutgoingMessage = {
        attachment: { type: 'image', payload: { is_reusable: false } },
        ...(quickReplies === undefined || quickReplies.length === 0 ? {} : { quick_replies: quickReplies }),
      };
      const body = (): { body: FormData } => {
        const form = new FormData();
        form.set('recipient', JSON.stringify({ id: recipientId }));
        form.set('messaging_type', 'RESPONSE');
        form.set('message', JSON.stringify(message));
        form.set('filedata', new Blob([new Uint8Array(image.data)], { type: image.contentType }), image.filename);
        return { body: form };
      };
      return (await request({ method: 'POST', path: '/me/messages', body })) as SendResult;
    },
    async senderAction(recipientId, action, actionOptions = {}) {
      const body = { recipient: { id: recipientId }, sender_action: action };
      await request({ method: 'POST', path: '/me/messages', body: json(body), ...stripUndefined(actionOptions) });
    },
    async setProfile(profile) {
      await request({ method: 'POST', path: '/me/messenger_profile', body: json(profile) });
    },
    async getProfile(fields) {
      return request({ method: 'GET', path: '/me/messenger_profile', query: { fields: fields.join(',') } });
    },
  };
}
