// Builds the web page into dist/web: the TypeScript client bundled and minified by esbuild (one ES module, no
// runtime dependencies), the stylesheet and index.html copied. The server reads dist/web when it starts.
// Each file is written to a temporary name and renamed into place, so a server starting during a build (tests run
// in parallel) reads either the old or the new file, never half of one.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const client = `${root}src/channels/web/client/`;
const out = `${root}dist/web/`;

async function writeAtomically(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

const bundle = await build({
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
  write: false,
});

const files = new Map([
  [`${out}assets/app.js`, bundle.outputFiles[0].contents],
  [`${out}assets/app.css`, await readFile(`${client}styles.css`)],
  [`${out}index.html`, await readFile(`${client}index.html`)],
]);
await mkdir(`${out}assets`, { recursive: true });
for (const [path, contents] of files) await writeAtomically(path, contents);
// Files an older build left behind (never a temporary file of a build running at the same time).
for (const name of await readdir(`${out}assets`)) {
  const path = `${out}assets/${name}`;
  if (!files.has(path) && !name.endsWith('.tmp')) await rm(path, { force: true });
}
