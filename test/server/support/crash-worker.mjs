// A worker that starts fine and dies on every job, to check that a crash becomes a 500 and never a hang.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', () => {
  throw new Error('worker crashed on purpose');
});
parentPort.postMessage({ type: 'ready' });
