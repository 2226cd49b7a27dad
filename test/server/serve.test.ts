// `visage serve` as a command: flags and settings are checked, it logs where it listens, and stopping it finishes
// the request in flight before the workers go.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { serveCommand, startServer, stopServer } from '../../src/cli/commands/serve.js';
import type { CliIo } from '../../src/cli/types.js';
import { createAnalysisPool } from '../../src/services/worker-pool.js';
import { photoPath, tsWorkerExecArgv } from '../services/support/worker-support.js';
import { send, startLoopbackServer, startTestPool, testConfig } from './support/test-server.js';

function captureIo(): CliIo & { output(): string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stdout: sink, stderr: sink, env: {}, cwd: '/tmp', isTTY: false, output: () => chunks.join('') };
}

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe('visage serve', () => {
  it('rejects unknown flags and bad settings before starting anything', async () => {
    await expect(serveCommand.run(['--prot', '1'], captureIo())).rejects.toMatchObject({ code: 'VSG_OPTION_INVALID' });
    await expect(serveCommand.run(['--port', 'x'], captureIo())).rejects.toMatchObject({
      code: 'VSG_CONFIG_INVALID',
      message: expect.stringContaining('"port" (from --port)'),
    });
    const io = { ...captureIo(), env: { VISAGE_QUEUE_SIZE: '-1' } };
    await expect(serveCommand.run([], io)).rejects.toMatchObject({ code: 'VSG_CONFIG_INVALID', message: expect.stringContaining('VISAGE_QUEUE_SIZE') });
  });

  it('logs where it listens and finishes the request in flight when stopped', async () => {
    const photo = readFileSync(photoPath('multi-3faces-grimace-glasses-dlib-voc-2008_002506.jpg'));
    // A slow photo source: the request is still in flight when the server is asked to stop.
    const slow = await startLoopbackServer((_req, res) => {
      setTimeout(() => res.writeHead(200).end(photo), 700);
    });
    cleanup.push(() => slow.close());
    const pool = startTestPool(1, 2);
    const io = captureIo();
    const config = testConfig({ port: 0, host: '127.0.0.1', fetch: { allow: [`127.0.0.1:${slow.port}`] } });
    const running = await startServer(config, io, { pool });
    expect(io.output()).toMatch(/Visage listens at http:\/\/127\.0\.0\.1:\d+/);
    expect(io.output()).toContain('Visage is ready');

    const inFlight = send(`${running.url}/v1/analyze`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${slow.port}/photo.jpg` }),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopping = stopServer(running, 'received SIGTERM');
    const answer = await inFlight;
    await stopping;
    await pool.close();
    expect(answer.status).toBe(200);
    expect(answer.json<{ faces: unknown[] }>().faces.length).toBeGreaterThanOrEqual(2);
    await expect(send(`${running.url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    expect(io.output()).toContain('finishing the requests in flight');
  }, 60_000);

  it('fails to start, closing the port, when the models cannot load', async () => {
    const io = captureIo();
    const config = testConfig({ port: 0, host: '127.0.0.1', modelDir: '/nonexistent/models', workers: 1 });
    const pool = createAnalysisPool({ workers: 1, queueSize: 1, modelDir: config.modelDir, execArgv: tsWorkerExecArgv() });
    cleanup.push(() => pool.close());
    await expect(startServer(config, io, { pool })).rejects.toMatchObject({ code: 'VSG_MODEL_INVALID' });
    expect(io.output()).toContain('could not start');
  }, 60_000);
});
