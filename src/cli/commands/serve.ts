// `visage serve`: starts the HTTP server on the configured host and port, loads the models in the worker threads,
// and on SIGINT/SIGTERM stops taking new connections, finishes the requests in flight, then stops the workers.
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../config.js';
import { buildServer, defaultLogger, type ServerDeps } from '../../server.js';
import { parseFlags } from '../args.js';
import type { CliCommand, CliIo } from '../types.js';

const USAGE =
  'visage serve [--port N] [--host H] [--config file.json] [--data-dir dir] [--model-dir dir] [--workers N] [--queue-size N] [--log-level level]';

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  'model-dir': { type: 'string' },
  workers: { type: 'string' },
  'queue-size': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export interface RunningServer {
  app: FastifyInstance;
  /** Where it listens, e.g. http://127.0.0.1:3000. */
  url: string;
}

/** Listens, then waits for the workers; a start failure (e.g. models that cannot load) closes the server and throws. */
export async function startServer(config: Config, io: CliIo, deps: ServerDeps = {}): Promise<RunningServer> {
  const app = buildServer(config, { logger: defaultLogger(config, io.stdout), ...deps });
  const url = await app.listen({ port: config.port, host: config.host });
  app.log.info({ workers: config.workers, queueSize: config.queueSize, dataDir: config.dataDir }, `Visage listens at ${url}; loading models`);
  try {
    await app.visage.pool.whenReady();
  } catch (error) {
    app.log.error({ err: error }, 'the inference workers could not start');
    await app.close();
    throw error;
  }
  app.log.info(`Visage is ready at ${url} (API docs at ${url}/docs)`);
  return { app, url };
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function stopServer(server: RunningServer, reason: string): Promise<void> {
  server.app.log.info(`${reason}: finishing the requests in flight, then stopping`);
  await server.app.close();
  server.app.log.info('Visage stopped');
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Start the HTTP API (default http://127.0.0.1:3000; --host 0.0.0.0 to be reachable from other machines).',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseFlags(args, FLAGS, USAGE);
    const config = loadConfig({ argv: values, env: io.env, cwd: io.cwd });
    const server = await startServer(config, io);
    const signal = await nextStopSignal();
    await stopServer(server, `received ${signal}`);
    return 0;
  },
};
