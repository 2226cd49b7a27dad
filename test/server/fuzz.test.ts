// A few hundred damaged images against the real server: truncated, bit-flipped, with another format's header, with
// huge claimed dimensions, spliced. The server must answer each with a 2xx or a 4xx (never a 500), keep running, and
// give its memory back afterwards (generous tolerances: the allocator keeps some).
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisPool } from '../../src/services/worker-pool.js';
import { photoPath } from '../services/support/worker-support.js';
import { send, startTestPool, startTestServer, testConfig, type TestServer } from './support/test-server.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** mulberry32: a small seeded generator so every run sends the same cases. */
function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hugePng(png: Buffer): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(100_000, 16);
  out.writeUInt32BE(100_000, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29); // a valid IHDR checksum, so the claim is read
  return out;
}

function hugeJpeg(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length - 9; i += 1) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.writeUInt16BE(0xffff, i + 5);
      out.writeUInt16BE(0xffff, i + 7);
      break;
    }
  }
  return out;
}

function hugeGif(gif: Buffer): Buffer {
  const out = Buffer.from(gif);
  out.writeUInt16LE(0xffff, 6);
  out.writeUInt16LE(0xffff, 8);
  return out;
}

function mutations(seeds: Buffer[], count: number): Buffer[] {
  const random = seededRandom(20261203);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const magics = [Buffer.from('ffd8ffe0', 'hex'), Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('GIF89a'), Buffer.from('RIFF\0\0\0\0WEBPVP8 ')];
  const cases: Buffer[] = [Buffer.alloc(1), Buffer.from('ffd8', 'hex'), Buffer.from('89504e47', 'hex')];
  for (const seed of seeds) {
    if (seed[0] === 0x89) cases.push(hugePng(seed));
    if (seed[0] === 0xff) cases.push(hugeJpeg(seed));
    if (seed[0] === 0x47) cases.push(hugeGif(seed));
  }
  while (cases.length < count) {
    const seed = pick(seeds);
    const kind = Math.floor(random() * 5);
    const out = Buffer.from(seed);
    if (kind === 0) {
      cases.push(out.subarray(0, Math.floor(random() * out.length)));
    } else if (kind === 1) {
      const flips = 1 + Math.floor(random() * 40);
      for (let i = 0; i < flips; i += 1) {
        const at = Math.floor(random() * out.length);
        out[at] = (out[at] ?? 0) ^ (1 << Math.floor(random() * 8));
      }
      cases.push(out);
    } else if (kind === 2) {
      const magic = pick(magics);
      magic.copy(out, 0);
      cases.push(out);
    } else if (kind === 3) {
      const at = Math.floor(random() * out.length);
      const junk = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 4096) }, () => Math.floor(random() * 256)));
      cases.push(Buffer.concat([out.subarray(0, at), junk, out.subarray(at)]));
    } else {
      cases.push(Buffer.concat([pick(magics), Buffer.from(Array.from({ length: Math.floor(random() * 2048) }, () => Math.floor(random() * 256)))]));
    }
  }
  return cases;
}

let pool: AnalysisPool;
let server: TestServer;
let seeds: Buffer[];

beforeAll(async () => {
  pool = startTestPool(2, 64);
  server = await startTestServer(testConfig({ workers: 2, queueSize: 64 }), { pool });
  await pool.whenReady();
  const photo = readFileSync(photoPath('multi-3faces-grimace-glasses-dlib-voc-2008_002506.jpg'));
  const small = sharp(photo).resize(240);
  seeds = [photo, await small.clone().png().toBuffer(), await small.clone().webp().toBuffer(), await small.clone().gif().toBuffer(), await small.clone().tiff().toBuffer()];
}, 120_000);

afterAll(async () => {
  await server?.close();
  await pool?.close();
});

async function sendAll(cases: Buffer[], concurrency: number): Promise<number[]> {
  const statuses: number[] = new Array<number>(cases.length).fill(0);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < cases.length) {
      const index = next++;
      const res = await send(`${server.url}/v1/analyze`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: cases[index] });
      statuses[index] = res.status;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return statuses;
}

function memoryMb(): { rss: number; heap: number } {
  collectGarbage();
  const usage = process.memoryUsage();
  return { rss: usage.rss / 2 ** 20, heap: usage.heapUsed / 2 ** 20 };
}

describe('fuzzing the server with damaged images', () => {
  it('never answers 500, keeps running, and gives memory back', async () => {
    const cases = mutations(seeds, 330);
    await sendAll(cases.slice(0, 30), 4); // warm-up: first allocations of decoders and sessions
    const before = memoryMb();
    const statuses = await sendAll(cases, 4);
    const after = memoryMb();
    const counts = statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    console.info(`fuzz: ${cases.length} cases, statuses ${JSON.stringify(counts)}, rss ${before.rss.toFixed(0)} -> ${after.rss.toFixed(0)} MB, heap ${before.heap.toFixed(0)} -> ${after.heap.toFixed(0)} MB`);
    expect(statuses.filter((s) => ![200, 400, 413, 415, 422].includes(s))).toEqual([]);
    expect(counts[413]).toBeGreaterThanOrEqual(1); // the huge claimed dimensions
    expect(pool.state()).toBe('ready');
    expect(pool.stats().ready).toBe(2);
    expect((await send(`${server.url}/healthz`)).status).toBe(200);
    expect(after.heap).toBeLessThan(before.heap + 64);
    expect(after.rss).toBeLessThan(before.rss * 1.5 + 256);
  }, 300_000);
});
