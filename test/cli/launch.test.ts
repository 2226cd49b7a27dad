// The `visage` command restarts itself once with its malloc settings (see src/cli/launch.ts).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ALLOCATOR_ENV, needsRelaunch, relaunch } from '../../src/cli/launch.js';

const run = promisify(execFile);

describe('launch', () => {
  it('restarts only on Linux and only while one of the variables is not set', () => {
    expect(needsRelaunch({}, 'linux')).toBe(true);
    expect(needsRelaunch({ MALLOC_ARENA_MAX: '4' }, 'linux')).toBe(true);
    expect(needsRelaunch({ MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '1048576' }, 'linux')).toBe(false);
    expect(needsRelaunch({ ...ALLOCATOR_ENV }, 'linux')).toBe(false);
    expect(needsRelaunch({}, 'darwin')).toBe(false);
    expect(needsRelaunch({}, 'win32')).toBe(false);
  });

  it('gives the child the allocator settings, keeps the ones already set, the arguments and passes its exit code back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'visage-launch-'));
    const script = join(dir, 'child.mjs');
    const seen = join(dir, 'seen.json');
    await writeFile(script, `import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ arena: process.env.MALLOC_ARENA_MAX, mmap: process.env.MALLOC_MMAP_THRESHOLD_, args: process.argv.slice(2) }));
process.exit(3);`);
    const env: NodeJS.ProcessEnv = { ...process.env, MALLOC_MMAP_THRESHOLD_: '65536' };
    delete env.MALLOC_ARENA_MAX;
    expect(await relaunch([script, 'analyze', 'a b.jpg'], env, [])).toBe(3);
    expect(JSON.parse(await readFile(seen, 'utf8'))).toEqual({ arena: ALLOCATOR_ENV['MALLOC_ARENA_MAX'], mmap: '65536', args: ['analyze', 'a b.jpg'] });
  });

  it('reports a child killed by a signal as 128 + its number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'visage-launch-'));
    const script = join(dir, 'killed.mjs');
    await writeFile(script, `process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5000);`);
    expect(await relaunch([script], {}, [])).toBe(143);
  });

  it('runs the real command through bin/visage.js with its output and exit code', async () => {
    const env = { ...process.env };
    for (const name of Object.keys(ALLOCATOR_ENV)) delete env[name];
    const ok = await run(process.execPath, ['bin/visage.js', '--version'], { env });
    expect(ok.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = await run(process.execPath, ['bin/visage.js', 'no-such-command'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in bad ? bad.code : 0).toBe(64);
    expect('stderr' in bad ? bad.stderr : '').toMatch(/unknown command "no-such-command"/);
  });
});
