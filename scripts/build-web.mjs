// Builds the web page into dist/web: the TypeScript client bundled and minified by esbuild (one ES module, no
// runtime dependencies), the stylesheet and index.html copied. The server reads dist/web when it starts.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const client = `${root}src/channels/web/client/`;
const out = `${root}dist/web/`;

await rm(out, { recursive: true, force: true });
await mkdir(`${out}assets`, { recursive: true });
await build({
  entryPoints: [`${client}main.ts`],
  outfile: `${out}assets/app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(`${client}styles.css`, `${out}assets/app.css`);
await copyFile(`${client}index.html`, `${out}index.html`);
