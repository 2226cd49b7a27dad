// Every connection in this file goes to 127.0.0.1. Private and public addresses are only ever handed to the
// resolving layer (resolveTarget), which refuses or returns them without connecting anywhere.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchImage } from '../../src/net/fetch-image.js';
import { normaliseAllowList, resolveTarget, type ResolvedAddress, type Resolver } from '../../src/net/resolve.js';

interface Canary {
  server: Server;
  port: number;
  connections: number;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function fakeResolver(table: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const found = table[hostname];
    if (found === undefined) throw new Error(`ENOTFOUND ${hostname}`);
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolver, { calls });
}

const PHOTO = Buffer.from('89504e470d0a1a0a' + '00'.repeat(200), 'hex');
let photoServer: Server;
let photoPort = 0;
let lastHost = '';
const canary: Canary = { server: createServer((_q, s) => s.end('canary')), port: 0, connections: 0 };

beforeAll(async () => {
  photoServer = createServer((req, res) => {
    lastHost = req.headers.host ?? '';
    const url = new URL(req.url ?? '/', 'http://x');
    const hop = Number(url.searchParams.get('hops') ?? '0');
    if (url.pathname === '/photo') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PHOTO);
    if (url.pathname === '/big') return void res.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000));
    if (url.pathname === '/big-chunked') {
      res.writeHead(200);
      for (let i = 0; i < 10; i += 1) res.write(Buffer.alloc(500));
      return void res.end();
    }
    if (url.pathname === '/missing') return void res.writeHead(404).end('no');
    if (url.pathname === '/stall') return void res.writeHead(200, { 'content-length': '100' }).write('x');
    if (url.pathname === '/chain') {
      const next = hop > 0 ? `/chain?hops=${hop - 1}` : '/photo';
      return void res.writeHead(302, { location: next }).end();
    }
    if (url.pathname === '/redirect') return void res.writeHead(301, { location: url.searchParams.get('to') ?? '/' }).end();
    res.writeHead(500).end();
  });
  photoPort = await listen(photoServer);
  canary.server.on('connection', () => {
    canary.connections += 1;
  });
  canary.port = await listen(canary.server);
});

afterAll(async () => {
  photoServer.closeAllConnections();
  await new Promise((r) => photoServer.close(r));
  await new Promise((r) => canary.server.close(r));
});

const allowPhotos = (): string[] => [`127.0.0.1:${photoPort}`];

describe('fetchImage on loopback', () => {
  it('fetches from an allow-listed local source and returns the bytes as sent', async () => {
    const result = await fetchImage(`http://127.0.0.1:${photoPort}/photo`, { allow: allowPhotos() });
    expect(result.bytes.equals(PHOTO)).toBe(true);
    expect(result.contentType).toBe('text/html'); // returned as declared; the pipeline sniffs the bytes
    expect(result.finalUrl).toBe(`http://127.0.0.1:${photoPort}/photo`);
  });

  it('connects to the checked address while sending the name as Host', async () => {
    const resolver = fakeResolver({ 'photos.example': ['127.0.0.1'] });
    const result = await fetchImage(`http://photos.example:${photoPort}/photo`, { allow: [`photos.example:${photoPort}`], resolver });
    expect(result.bytes.length).toBe(PHOTO.length);
    expect(lastHost).toBe(`photos.example:${photoPort}`);
    expect(resolver.calls).toEqual(['photos.example']);
  });

  it('follows up to three redirects and refuses a fourth', async () => {
    const ok = await fetchImage(`http://127.0.0.1:${photoPort}/chain?hops=2`, { allow: allowPhotos() });
    expect(ok.finalUrl).toBe(`http://127.0.0.1:${photoPort}/photo`);
    await expect(fetchImage(`http://127.0.0.1:${photoPort}/chain?hops=3`, { allow: allowPhotos() })).rejects.toMatchObject({
      code: 'VSG_FETCH_FAILED',
      message: expect.stringContaining('redirected more than 3'),
    });
  });

  it('enforces the size cap by Content-Length and while streaming', async () => {
    for (const path of ['/big', '/big-chunked']) {
      await expect(fetchImage(`http://127.0.0.1:${photoPort}${path}`, { allow: allowPhotos(), maxBytes: 1000 })).rejects.toMatchObject({
        code: 'VSG_FETCH_TOO_LARGE',
      });
    }
  });

  it('names the status of a non-2xx answer', async () => {
    await expect(fetchImage(`http://127.0.0.1:${photoPort}/missing`, { allow: allowPhotos() })).rejects.toMatchObject({
      code: 'VSG_FETCH_FAILED',
      message: expect.stringContaining('404'),
    });
  });

  it('gives up on a source that stalls, after the total timeout', async () => {
    await expect(fetchImage(`http://127.0.0.1:${photoPort}/stall`, { allow: allowPhotos(), totalTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'VSG_FETCH_TIMEOUT',
    });
  });

  it('gives up on a name that never resolves, after the total timeout', async () => {
    const never: Resolver = () => new Promise(() => undefined);
    await expect(fetchImage('http://slow.example/a.jpg', { resolver: never, totalTimeoutMs: 200 })).rejects.toMatchObject({ code: 'VSG_FETCH_TIMEOUT' });
  });
});

describe('a refused link causes no connection at all (loopback canary)', () => {
  const spellings = (port: number): string[] => [
    `http://127.0.0.1:${port}/`,
    `http://2130706433:${port}/`,
    `http://0177.0.0.1:${port}/`,
    `http://0x7f.1:${port}/`,
    `http://127.1:${port}/`,
    `http://[::ffff:127.0.0.1]:${port}/`,
    `http://[::ffff:7f00:1]:${port}/`,
    `http://[::1]:${port}/`,
    `http://localhost:${port}/`,
    `https://127.0.0.1:${port}/`,
  ];

  it('refuses every spelling of loopback without connecting', async () => {
    for (const link of spellings(canary.port)) {
      await expect(fetchImage(link), link).rejects.toMatchObject({ code: 'VSG_URL_FORBIDDEN' });
    }
    expect(canary.connections).toBe(0);
  });

  it('refuses a name that resolves to loopback, even among public addresses, without connecting', async () => {
    const resolver = fakeResolver({ 'rebind.example': ['93.184.216.34', '127.0.0.1'], 'local.example': ['127.0.0.1'] });
    for (const host of ['rebind.example', 'local.example']) {
      await expect(fetchImage(`http://${host}:${canary.port}/`, { resolver })).rejects.toMatchObject({ code: 'VSG_URL_FORBIDDEN' });
    }
    expect(resolver.calls).toEqual(['rebind.example', 'local.example']);
    expect(canary.connections).toBe(0);
  });

  it('re-checks every redirect target: a redirect to the canary is refused before connecting', async () => {
    const resolver = fakeResolver({ 'sneaky.example': ['127.0.0.1'] });
    const targets = [
      `http://127.0.0.1:${canary.port}/`,
      `http://0x7f000001:${canary.port}/`,
      `http://[::1]:${canary.port}/`,
      `http://sneaky.example:${canary.port}/`,
      `file:///etc/passwd`,
    ];
    for (const target of targets) {
      const link = `http://127.0.0.1:${photoPort}/redirect?to=${encodeURIComponent(target)}`;
      await expect(fetchImage(link, { allow: allowPhotos(), resolver }), target).rejects.toMatchObject({
        code: target.startsWith('file:') ? 'VSG_URL_INVALID' : 'VSG_URL_FORBIDDEN',
      });
    }
    expect(canary.connections).toBe(0);
  });

  it('the allow list opens exactly the listed host:port', async () => {
    await expect(fetchImage(`http://127.0.0.1:${canary.port}/`, { allow: [`127.0.0.1:${photoPort}`] })).rejects.toMatchObject({
      code: 'VSG_URL_FORBIDDEN',
    });
    expect(canary.connections).toBe(0);
    const fetched = await fetchImage(`http://127.0.0.1:${canary.port}/`, { allow: [`127.0.0.1:${canary.port}`] });
    expect(fetched.bytes.toString()).toBe('canary');
    expect(canary.connections).toBe(1);
  });
});

describe('resolveTarget (no connection is made here)', () => {
  const none = normaliseAllowList([]);

  it.each([
    ['10.0.0.1', 'private'],
    ['192.168.0.10', 'private'],
    ['172.20.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['224.0.0.251', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['fd00::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['::ffff:10.0.0.1', 'IPv4-mapped'],
    ['64:ff9b::a9fe:a9fe', 'NAT64'],
    ['2002:a00:1::1', '6to4'],
    ['2001:0:5ef5:79fd::1', 'Teredo'],
    ['fec0::1', 'site-local'],
    ['2001:db8::10', 'documentation'],
  ])('refuses a name that resolves to %s (%s)', async (address, reason) => {
    const resolver = fakeResolver({ 'internal.example': [address] });
    await expect(resolveTarget(new URL('http://internal.example/x.jpg'), none, resolver)).rejects.toMatchObject({
      code: 'VSG_URL_FORBIDDEN',
      message: expect.stringContaining(reason),
    });
  });

  it('refuses literal private hosts without asking the resolver', async () => {
    const resolver = fakeResolver({});
    for (const link of ['http://10.0.0.1/', 'http://0xa.0.0.1/', 'http://167772161/', 'http://[fd00::1]/', 'http://[::ffff:a00:1]/']) {
      await expect(resolveTarget(new URL(link), none, resolver), link).rejects.toMatchObject({ code: 'VSG_URL_FORBIDDEN' });
    }
    expect(resolver.calls).toEqual([]);
  });

  it('returns the first address of a public name', async () => {
    const resolver = fakeResolver({ 'photos.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    await expect(resolveTarget(new URL('https://photos.example/a.jpg'), none, resolver)).resolves.toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('reports a name that does not resolve as a fetch failure', async () => {
    await expect(resolveTarget(new URL('http://nowhere.example/'), none, fakeResolver({}))).rejects.toMatchObject({ code: 'VSG_FETCH_FAILED' });
  });

  it('validates allow-list entries', () => {
    expect(() => normaliseAllowList(['localhost'])).toThrowError(expect.objectContaining({ code: 'VSG_OPTION_INVALID' }));
    expect([...normaliseAllowList(['LocalHost:8080', '[::1]:9000', '0x7f.1:81'])]).toEqual(['localhost:8080', '[::1]:9000', '127.0.0.1:81']);
  });
});
