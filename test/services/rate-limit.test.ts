import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/services/rate-limit.js';

function fakeClock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('createRateLimiter', () => {
  it('allows a burst, then refuses with a Retry-After, then refills', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ burst: 3, perSecond: 2 }, clock);
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 1 });
    expect(limiter.take('b').allowed).toBe(true); // per client
    clock.advance(500);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('is off when perSecond is 0', () => {
    const limiter = createRateLimiter({ burst: 1, perSecond: 0 }, fakeClock());
    expect(Array.from({ length: 100 }, () => limiter.take('a').allowed).every(Boolean)).toBe(true);
  });

  it('keeps at most maxClients buckets, forgetting the least recently seen', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ burst: 1, perSecond: 1, maxClients: 2 }, clock);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c'); // 'a' is forgotten, so it starts with a full bucket again
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('c').allowed).toBe(false);
  });
});
