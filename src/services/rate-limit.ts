// A token bucket per client: `burst` requests at once, refilled at `perSecond`. Buckets of clients that have been
// quiet long enough to be full again are dropped, and the number of tracked clients is capped, so memory stays
// bounded whatever the traffic.
import { VisageError, invalidOption } from '../errors.js';
import type { Clock } from './analysis-cache.js';

export interface RateLimitOptions {
  burst: number;
  /** Tokens added per second; 0 turns the limiter off. */
  perSecond: number;
  /** Most clients tracked at once (default 10,000); the least recently seen are forgotten first. */
  maxClients?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterS: number };

export interface RateLimiter {
  take(clientKey: string): RateDecision;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export function createRateLimiter(options: RateLimitOptions, clock: Clock): RateLimiter {
  const { burst, perSecond, maxClients = 10_000 } = options;
  if (!Number.isInteger(burst) || burst < 1) throw invalidOption('rateLimit.burst', 'an integer >= 1', burst);
  if (!(perSecond >= 0)) throw invalidOption('rateLimit.perSecond', 'a number >= 0', perSecond);
  const buckets = new Map<string, Bucket>();
  const fullAfterMs = perSecond > 0 ? (burst / perSecond) * 1000 : 0;

  const forgetIdle = (now: number): void => {
    for (const [key, bucket] of buckets) {
      if (now - bucket.updatedMs < fullAfterMs && buckets.size <= maxClients) break;
      buckets.delete(key);
    }
  };

  return {
    take(clientKey) {
      if (perSecond === 0) return { allowed: true };
      const now = clock.now();
      const previous = buckets.get(clientKey);
      const elapsedS = previous === undefined ? 0 : Math.max(0, now - previous.updatedMs) / 1000;
      const tokens = previous === undefined ? burst : Math.min(burst, previous.tokens + elapsedS * perSecond);
      // Re-insert so the Map's order stays "least recently seen first".
      buckets.delete(clientKey);
      if (tokens < 1) {
        buckets.set(clientKey, { tokens, updatedMs: now });
        return { allowed: false, retryAfterS: Math.max(1, Math.ceil((1 - tokens) / perSecond)) };
      }
      buckets.set(clientKey, { tokens: tokens - 1, updatedMs: now });
      forgetIdle(now);
      return { allowed: true };
    },
  };
}

/** Minimal request/reply shapes of a fastify onRequest hook, so this file needs no fastify import. */
interface HookRequest {
  ip: string;
}
interface HookReply {
  header(name: string, value: string): unknown;
}

/**
 * Takes one token for the request's client, or throws VSG_RATE_LIMITED with Retry-After set. Every channel's
 * onRequest hook calls this, so all routes limit (and answer) the same way.
 */
export function enforceRateLimit(limiter: RateLimiter, request: HookRequest, reply: HookReply): void {
  const decision = limiter.take(request.ip);
  if (!decision.allowed) {
    reply.header('retry-after', String(decision.retryAfterS));
    throw new VisageError('VSG_RATE_LIMITED', 'Too many requests from this client; try again shortly.');
  }
}
