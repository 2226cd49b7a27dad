import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMOTIONS } from '../../src/pipeline/types.js';
import { photo } from '../helpers/paths.js';
import { runCli } from './run-cli.js';

const GROUP = photo('multi-5faces-happy-sunglasses-pyfeat-multi_face.jpg');

describe('visage analyze', () => {
  let dir: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'visage-cli-'));
    server = createServer((req, res) => {
      if (req.url === '/group.jpg') {
        void readFile(GROUP).then((bytes) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(bytes));
      } else {
        res.writeHead(404).end('not here');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one JSON object per image with every face of a group photo', async () => {
    const run = await runCli(['analyze', GROUP, '--json']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] ?? '{}');
    expect(Object.keys(record)).toEqual(['source', 'width', 'height', 'faces']);
    expect(record.faces).toHaveLength(5);
    for (const face of record.faces) {
      expect(Object.keys(face)).toEqual(['box', 'emotion', 'confidence', 'scores', 'description']);
      expect(EMOTIONS).toContain(face.emotion);
      expect(Object.keys(face.scores).sort()).toEqual([...EMOTIONS].sort());
      const total = Object.values(face.scores as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 2);
      expect(face.confidence).toBe(face.scores[face.emotion]);
      expect(face.box.x + face.box.width).toBeLessThanOrEqual(record.width);
      expect(face.description).toMatch(/^Person \d/);
    }
  });

  it('speaks plain words by default and writes the annotated photo', async () => {
    const out = join(dir, 'group.annotated.png');
    const run = await runCli(['analyze', GROUP, '--annotate', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('I found 5 faces.');
    expect(run.stdout).toMatch(/Person 1, on the left[,.] /);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(100);
  });

  it('reports each bad file in a folder with its code, carries on with the good ones, and exits non-zero', async () => {
    const mixed = join(dir, 'mixed');
    await import('node:fs/promises').then((fs) => fs.mkdir(mixed));
    const jpeg = await readFile(GROUP);
    await copyFile(GROUP, join(mixed, 'a-good.jpg'));
    await writeFile(join(mixed, 'b-empty.jpg'), Buffer.alloc(0));
    await writeFile(join(mixed, 'c-notes.txt'), 'not a photo');
    await writeFile(join(mixed, 'd-truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    await writeFile(join(mixed, 'e-one-pixel.png'), await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer());
    const run = await runCli(['analyze', mixed, '--json']);
    const records = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => r.error?.code ?? r.faces.length)).toEqual([5, 'VSG_IMAGE_EMPTY', 'VSG_IMAGE_UNSUPPORTED', 'VSG_IMAGE_UNDECODABLE', 'VSG_IMAGE_TOO_SMALL']);
    expect(run.code).not.toBe(0);
  });

  it('fetches a link from an allowed local server, and reports a 404 as a fetch error', async () => {
    const env = { VISAGE_FETCH_ALLOW: `127.0.0.1:${port}` };
    const good = await runCli(['analyze', `http://127.0.0.1:${port}/group.jpg`, `http://127.0.0.1:${port}/missing.jpg`, '--json'], { env });
    const [ok, missing] = good.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(ok.faces).toHaveLength(5);
    expect(missing.error.code).toBe('VSG_FETCH_FAILED');
    expect(missing.error.message).toContain('404');
    expect(good.code).not.toBe(0);
  });

  it('refuses a local link that is not allowed', async () => {
    const run = await runCli(['analyze', `http://127.0.0.1:${port}/group.jpg`, '--json']);
    expect(JSON.parse(run.stdout.trim()).error.code).toBe('VSG_URL_FORBIDDEN');
  });

  it('explains bad usage in one line with a non-zero exit code', async () => {
    const none = await runCli(['analyze']);
    expect(none.code).toBe(64);
    expect(none.stderr).toMatch(/VSG_OPTION_INVALID/);
    const unknown = await runCli(['analyze', GROUP, '--colour']);
    expect(unknown.code).toBe(64);
    expect((await runCli(['frobnicate'])).code).toBe(64);
    const missing = await runCli(['analyze', join(dir, 'nope.jpg'), '--json']);
    expect(JSON.parse(missing.stdout).error.code).toBe('VSG_INPUT_NOT_FOUND');
  });
});
