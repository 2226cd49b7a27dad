// The page's files, read once when the server starts from the build output (dist/web, written by
// scripts/build-web.mjs), kept in memory with a gzip copy and an ETag. Everything the page uses is served from
// here: no CDN, no external fonts.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
  readonly gzipped: Buffer;
  readonly etag: string;
}

/** <repo>/dist/web, from src/channels/web (tsx, tests) and from dist/channels/web (the built server) alike. */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

export function makeAsset(name: string, body: Buffer): Asset {
  const contentType = CONTENT_TYPES[extname(name)] ?? 'application/octet-stream';
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { contentType, body, gzipped: gzipSync(body, { level: 9 }), etag };
}

/** index.html and every file under assets/, by URL path ("/" and "/assets/app.js"); empty when not built. */
export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return assets;
  assets.set('/', makeAsset('index.html', readFileSync(index)));
  const assetDir = join(dir, 'assets');
  for (const name of existsSync(assetDir) ? readdirSync(assetDir) : []) {
    if (CONTENT_TYPES[extname(name)] !== undefined) assets.set(`/assets/${name}`, makeAsset(name, readFileSync(join(assetDir, name))));
  }
  return assets;
}

/** Whether the client accepts gzip (a plain token match is enough for the encodings browsers send). */
export function acceptsGzip(header: string | undefined): boolean {
  return /(^|,)\s*gzip\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[\d.]+)?\s*(,|$)/i.test(header ?? '');
}
