// Fetches a photo by link for the server: http and https only, every hop's host checked and connected to by the
// checked address, a byte cap enforced while streaming, connect and total timeouts. The bytes are returned as they
// came; whether they are an image is decided later by sniffing them, never by the Content-Type header.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { invalidOption, VisageError } from '../errors.js';
import { checkedLookup, normaliseAllowList, resolveTarget, systemResolver, type ResolvedAddress, type Resolver } from './resolve.js';

export interface FetchImageOptions {
  /** host:port entries that may be fetched even though they are local or private. */
  allow?: readonly string[];
  maxBytes?: number;
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
  maxRedirects?: number;
  resolver?: Resolver;
}

export interface FetchedImage {
  bytes: Buffer;
  contentType: string | undefined;
  finalUrl: string;
}

export const FETCH_DEFAULTS = {
  maxBytes: 15 * 1024 * 1024,
  connectTimeoutMs: 5_000,
  totalTimeoutMs: 20_000,
  maxRedirects: 3,
} as const;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_URL_LENGTH = 4096;

interface Settings {
  allow: ReadonlySet<string>;
  maxBytes: number;
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxRedirects: number;
  resolver: Resolver;
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < min) throw invalidOption(name, `an integer >= ${min}`, value);
  return chosen;
}

function settingsOf(options: FetchImageOptions): Settings {
  return {
    allow: normaliseAllowList(options.allow ?? []),
    maxBytes: positiveInt('maxBytes', options.maxBytes, FETCH_DEFAULTS.maxBytes),
    connectTimeoutMs: positiveInt('connectTimeoutMs', options.connectTimeoutMs, FETCH_DEFAULTS.connectTimeoutMs),
    totalTimeoutMs: positiveInt('totalTimeoutMs', options.totalTimeoutMs, FETCH_DEFAULTS.totalTimeoutMs),
    maxRedirects: positiveInt('maxRedirects', options.maxRedirects, FETCH_DEFAULTS.maxRedirects, 0),
    resolver: options.resolver ?? systemResolver,
  };
}

/** Parses a link with the WHATWG URL parser, which also normalises every spelling of an IPv4 host. */
export function parseLink(text: string, base?: URL): URL {
  let url: URL;
  try {
    if (text.length > MAX_URL_LENGTH) throw new Error('too long');
    url = new URL(text, base);
  } catch {
    throw new VisageError('VSG_URL_INVALID', `The link is not a valid URL (at most ${MAX_URL_LENGTH} characters).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VisageError('VSG_URL_INVALID', `The link must start with http:// or https://; received ${url.protocol}.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new VisageError('VSG_URL_INVALID', 'The link must not contain a user name or password.');
  }
  return url;
}

interface Hop {
  url: URL;
  target: ResolvedAddress;
  settings: Settings;
  signal: AbortSignal;
}

function openHop({ url, target, settings, signal }: Hop): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'GET',
      agent: false,
      lookup: checkedLookup(target),
      signal,
      headers: { accept: 'image/*', 'accept-encoding': 'identity', 'user-agent': 'Visage' },
    });
    const connectTimer = setTimeout(() => {
      req.destroy(new VisageError('VSG_FETCH_TIMEOUT', `Connecting to ${url.hostname} took longer than ${settings.connectTimeoutMs} ms.`));
    }, settings.connectTimeoutMs);
    req.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => clearTimeout(connectTimer));
      else clearTimeout(connectTimer);
    });
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      resolve(res);
    });
    req.on('error', (error) => {
      clearTimeout(connectTimer);
      reject(error);
    });
    req.end();
  });
}

async function readCapped(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw tooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res) {
    const piece = chunk as Buffer;
    total += piece.length;
    if (total > maxBytes) {
      res.destroy();
      throw tooLarge(maxBytes);
    }
    chunks.push(piece);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(maxBytes: number): VisageError {
  return new VisageError('VSG_FETCH_TOO_LARGE', `The photo behind the link is larger than ${maxBytes} bytes.`);
}

function asFetchError(error: unknown, url: URL, signal: AbortSignal, totalTimeoutMs: number): VisageError {
  if (error instanceof VisageError) return error;
  if (signal.aborted) {
    return new VisageError('VSG_FETCH_TIMEOUT', `The photo behind the link took longer than ${totalTimeoutMs} ms to arrive.`, { cause: error });
  }
  return new VisageError('VSG_FETCH_FAILED', `The photo could not be fetched from ${url.hostname}.`, { cause: error });
}

/** Name resolution cannot be cancelled, so the total timeout races it. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function followHops(first: URL, settings: Settings, signal: AbortSignal): Promise<FetchedImage> {
  let url = first;
  for (let redirects = 0; ; redirects += 1) {
    const target = await untilAborted(resolveTarget(url, settings.allow, settings.resolver), signal);
    const res = await openHop({ url, target, settings, signal });
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status) && typeof res.headers.location === 'string') {
      res.destroy();
      if (redirects >= settings.maxRedirects) {
        throw new VisageError('VSG_FETCH_FAILED', `The link redirected more than ${settings.maxRedirects} times.`);
      }
      url = parseLink(res.headers.location, url);
      continue;
    }
    if (status < 200 || status > 299) {
      res.destroy();
      throw new VisageError('VSG_FETCH_FAILED', `The server behind the link answered with status ${status}.`);
    }
    const bytes = await readCapped(res, settings.maxBytes);
    return { bytes, contentType: res.headers['content-type'], finalUrl: url.href };
  }
}

/** Fetches the bytes behind a link, refusing local, private and special addresses on every hop. */
export async function fetchImage(link: string, options: FetchImageOptions = {}): Promise<FetchedImage> {
  const settings = settingsOf(options);
  const first = parseLink(link);
  const controller = new AbortController();
  const totalTimer = setTimeout(() => controller.abort(), settings.totalTimeoutMs);
  try {
    return await followHops(first, settings, controller.signal);
  } catch (error) {
    throw asFetchError(error, first, controller.signal, settings.totalTimeoutMs);
  } finally {
    clearTimeout(totalTimer);
  }
}
