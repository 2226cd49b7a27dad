// The import direction of docs/style.md: cli and channels -> pipeline and store -> models; nothing imports a channel
// except the server that assembles them; no import cycles.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR } from '../helpers/paths.js';

const SRC = join(REPO_DIR, 'src');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? (e.name === 'client' ? [] : sourceFiles(join(dir, e.name))) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])),
  );
  return nested.flat();
}

async function importGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const file of await sourceFiles(SRC)) {
    const text = await readFile(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)[^'"]*from\s+['"](\.[^'"]+)['"]/gm)]
      .filter((m) => !/^import\s+type\b|^export\s+type\b/.test(m[0]))
      .map((m) => relative(SRC, resolve(dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts'))));
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

describe('architecture', () => {
  it('has no import cycles', async () => {
    const graph = await importGraph();
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('keeps the layers in order', async () => {
    const graph = await importGraph();
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const layer = target.split('/')[0];
        if (layer === 'channels' && !file.startsWith('channels/') && file !== 'server.ts') violations.push(`${file} imports ${target}`);
        if (layer === 'cli' && !file.startsWith('cli/')) violations.push(`${file} imports ${target}`);
        if ((file.startsWith('models/') || file.startsWith('pipeline/')) && ['store', 'channels', 'cli', 'server.ts'].includes(layer ?? '')) {
          violations.push(`${file} imports ${target}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
