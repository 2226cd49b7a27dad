// Who is practising, without knowing who they are: a browser carries an anonymous random id in the same cookie the
// flags plugin uses (so "Forget me", DELETE /v1/me, removes practice and flags together); an app may send its own
// user id in X-Visage-User instead. The store only ever sees the keyed hash of either.
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { USER_COOKIE_NAME, USER_HEADER_NAME, type UserChannel } from '../../store/users.js';

export interface BrowserIdentity {
  channel: UserChannel;
  rawId: string;
}

/** The cookie value format the flags plugin accepts too. */
const COOKIE_ID = /^[A-Za-z0-9_-]{16,64}$/;
const COOKIE_MAX_AGE_S = 365 * 86_400;

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function identify(request: FastifyRequest): BrowserIdentity | undefined {
  const header = request.headers[USER_HEADER_NAME];
  if (typeof header === 'string' && header.length > 0) return { channel: 'api', rawId: header };
  const cookie = readCookie(request.headers.cookie, USER_COOKIE_NAME);
  return cookie !== undefined && COOKIE_ID.test(cookie) ? { channel: 'web', rawId: cookie } : undefined;
}

/** The request's identity, or a new anonymous browser id set as a cookie on the reply. */
export function identifyOrCreate(request: FastifyRequest, reply: FastifyReply): BrowserIdentity {
  const known = identify(request);
  if (known !== undefined) return known;
  const rawId = randomBytes(18).toString('base64url');
  const secure = request.protocol === 'https' ? '; Secure' : '';
  void reply.header('set-cookie', `${USER_COOKIE_NAME}=${rawId}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax${secure}`);
  return { channel: 'web', rawId };
}
