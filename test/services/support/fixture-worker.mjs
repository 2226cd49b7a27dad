// A stand-in worker speaking the pool's protocol, to test the pool's queue, crash and timeout handling quickly.
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (workerData?.failStart) {
  port.postMessage({ type: 'failed', error: { code: 'VSG_MODEL_INVALID', message: 'no models here' } });
} else {
  port.on('message', ({ id, job }) => {
    if (job.kind === 'crash') throw new Error('boom');
    if (job.kind === 'exit') process.exit(3);
    if (job.kind === 'hang') return;
    if (job.kind === 'fail') return port.postMessage({ type: 'done', id, ok: false, error: { code: 'VSG_IMAGE_UNDECODABLE', message: 'bad bytes' } });
    setTimeout(() => port.postMessage({ type: 'done', id, ok: true, value: { echo: job.value, bytes: job.bytes?.length } }), job.delayMs ?? 0);
  });
  port.postMessage({ type: 'ready' });
}
