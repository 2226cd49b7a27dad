import { describe, expect, it } from 'vitest';
import { createAnalysisCache, type CachedAnalysis } from '../../src/services/analysis-cache.js';

function entry(faces: number, cropBytes = 10): CachedAnalysis {
  const face = { box: { x: 0, y: 0, width: 1, height: 1 }, emotion: 'happy' as const, confidence: 0.9, scores: { angry: 0, disgust: 0, fear: 0, happy: 0.9, sad: 0, surprise: 0, neutral: 0.1 }, description: 'smiling' };
  return {
    analysis: { source: 'upload', width: 10, height: 10, faces: Array.from({ length: faces }, () => face) },
    faceCrops: Array.from({ length: faces }, (_, i) => Buffer.alloc(cropBytes, i)),
  };
}

function fakeClock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('createAnalysisCache', () => {
  it('puts under a random id, gets, finds a face by number, deletes', () => {
    const cache = createAnalysisCache({ ttlMs: 1000, maxEntries: 10 });
    const id = cache.put(entry(2));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cache.put(entry(1))).not.toBe(id);
    expect(cache.get(id)?.analysis.faces).toHaveLength(2);
    expect(cache.getFace(id, 2)?.crop[0]).toBe(1);
    expect(cache.getFace(id, 3)).toBeUndefined();
    expect(cache.getFace(id, 0)).toBeUndefined();
    expect(cache.delete(id)).toBe(true);
    expect(cache.get(id)).toBeUndefined();
  });

  it('forgets entries after the TTL', () => {
    const clock = fakeClock();
    const cache = createAnalysisCache({ ttlMs: 1000, maxEntries: 10 }, clock);
    const id = cache.put(entry(1));
    clock.advance(999);
    expect(cache.get(id)).toBeDefined();
    clock.advance(1);
    expect(cache.get(id)).toBeUndefined();
  });

  it('drops the oldest entries beyond maxEntries or maxBytes', () => {
    const cache = createAnalysisCache({ ttlMs: 60_000, maxEntries: 3 });
    const ids = [1, 2, 3, 4].map(() => cache.put(entry(1)));
    expect(cache.size()).toBe(3);
    expect(cache.get(ids[0] ?? '')).toBeUndefined();
    expect(cache.get(ids[3] ?? '')).toBeDefined();
    const small = createAnalysisCache({ ttlMs: 60_000, maxEntries: 100, maxBytes: 250 });
    const kept = [1, 2, 3].map(() => small.put(entry(1, 100)));
    expect(small.size()).toBe(2);
    expect(small.get(kept[0] ?? '')).toBeUndefined();
  });

  it('checks its options', () => {
    expect(() => createAnalysisCache({ ttlMs: 0, maxEntries: 1 })).toThrowError(expect.objectContaining({ code: 'VSG_OPTION_INVALID' }));
  });
});
