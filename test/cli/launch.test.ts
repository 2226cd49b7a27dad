// The `visage` command restarts itself once with a bounded number of malloc arenas (see src/cli/launch.ts).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ALLOCATOR_ENV, needsRelaunch, relaunch } from '../../src/cli/launch.js';

const run = promisify(execFile);

describe('launch', () => {
  it('restarts only on Linux and only when the variable is not set', () => {
    expect(needsRelaunch({}, 'linux')).toBe(true);
    expect(needsRelaunch({ MALLOC_ARENA_MAX: '4' }, 'linux')).toBe(false);
    expect(needsRelaunch({}, 'darwin')).toBe(false);
    expect(needsRelaunch({}, 'win32')).toBe(false);
  });

  it('gives the child the allocator setting, the arguments and passes its exit code back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'visage-launch-'));
    const script = join(dir, 'child.mjs');
    const seen = join(dir, 'seen.json');
    await writeFile(script, `import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ arena: process.env.MALLOC_ARENA_MAX, args: process.argv.slice(2) }));
process.exit(3);`);
    const env = { ...process.env };
    delete env.MALLOC_ARENA_MAX;
    expect(await relaunch([script, 'analyze', 'a b.jpg'], env, [])).toBe(3);
    expect(JSON.parse(await readFile(seen, 'utf8'))).toEqual({ arena: ALLOCATOR_ENV.MALLOC_ARENA_MAX, args: ['analyze', 'a b.jpg'] });
  });

  it('reports a child killed by a signal as 128 + its number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'visage-launch-'));
    const script = join(dir, 'killed.mjs');
    await writeFile(script, `process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5000);`);
    expect(await relaunch([script], {}, [])).toBe(143);
  });

  it('runs the real command through bin/visage.js with its output and exit code', async () => {
    const env = { ...process.env };
    delete env.MALLOC_ARENA_MAX;
    const ok = await run(process.execPath, ['bin/visage.js', '--version'], { env });
    expect(ok.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = await run(process.execPath, ['bin/visage.js', 'no-such-command'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in bad ? bad.code : 0).toBe(64);
    expect('stderr' in bad ? bad.stderr : '').toMatch(/unknown command "no-such-command"/);
  });
});
