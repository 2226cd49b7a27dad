// Recent analyses kept in memory for a short time, keyed by a random analysisId: the annotated image behind
// GET /v1/analyses/:id/annotated and the face crops a flag (POST /v1/flags) refers to by analysisId + face number.
// Bounded by entry count, total bytes and age; the oldest entries go first.
import { randomUUID } from 'node:crypto';
import { invalidOption } from '../errors.js';
import type { AnalysisJson } from '../index.js';

export interface CachedAnalysis {
  /** The JSON record returned to the client (the CLI's record; the reply adds analysisId). */
  analysis: AnalysisJson;
  /** One 96x96 PNG per face, in face-number order (face 1 is index 0). */
  faceCrops: readonly Buffer[];
  annotated?: { format: 'png' | 'jpeg'; data: Buffer };
}

export interface AnalysisCacheOptions {
  ttlMs: number;
  maxEntries: number;
  /** Total bytes of crops and annotated images held (default 256 MiB). */
  maxBytes?: number;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface AnalysisCache {
  /** Stores an entry under a new random id and returns the id. */
  put(entry: CachedAnalysis): string;
  get(analysisId: string): CachedAnalysis | undefined;
  /** Returns face `faceNumber` (1-based) of an analysis, with its crop, or undefined. */
  getFace(analysisId: string, faceNumber: number): { face: AnalysisJson['faces'][number]; crop: Buffer } | undefined;
  delete(analysisId: string): boolean;
  size(): number;
}

interface Held {
  entry: CachedAnalysis;
  expiresAt: number;
  bytes: number;
}

function sizeOf(entry: CachedAnalysis): number {
  return entry.faceCrops.reduce((sum, crop) => sum + crop.length, 0) + (entry.annotated?.data.length ?? 0);
}

export function createAnalysisCache(options: AnalysisCacheOptions, clock: Clock = systemClock): AnalysisCache {
  const { ttlMs, maxEntries, maxBytes = 256 * 1024 * 1024 } = options;
  if (!Number.isInteger(ttlMs) || ttlMs < 1) throw invalidOption('ttlMs', 'an integer >= 1', ttlMs);
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw invalidOption('maxEntries', 'an integer >= 1', maxEntries);
  // A Map keeps insertion order, so the first key is always the oldest entry.
  const entries = new Map<string, Held>();
  let totalBytes = 0;

  const remove = (id: string): boolean => {
    const held = entries.get(id);
    if (held === undefined) return false;
    totalBytes -= held.bytes;
    return entries.delete(id);
  };

  const prune = (): void => {
    const now = clock.now();
    for (const [id, held] of entries) {
      if (held.expiresAt > now && entries.size <= maxEntries && totalBytes <= maxBytes) break;
      remove(id);
    }
  };

  const lookup = (id: string): CachedAnalysis | undefined => {
    const held = entries.get(id);
    if (held === undefined) return undefined;
    if (held.expiresAt <= clock.now()) {
      remove(id);
      return undefined;
    }
    return held.entry;
  };

  return {
    put(entry) {
      const id = randomUUID();
      const bytes = sizeOf(entry);
      entries.set(id, { entry, expiresAt: clock.now() + ttlMs, bytes });
      totalBytes += bytes;
      prune();
      return id;
    },
    get: lookup,
    getFace(id, faceNumber) {
      const entry = lookup(id);
      const face = entry?.analysis.faces[faceNumber - 1];
      const crop = entry?.faceCrops[faceNumber - 1];
      return face === undefined || crop === undefined ? undefined : { face, crop };
    },
    delete: remove,
    size: () => {
      prune();
      return entries.size;
    },
  };
}
