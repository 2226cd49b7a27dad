// Milliseconds per face through onnxruntime-node (the runtime's engine), 1 intra-op thread, one face per run
// (two rows when the model averages the mirror image). Prints the fastest of several blocks: the machine is shared.
// Usage: node training/ort-timing.mjs <model.onnx> <size> <views>
import * as ort from 'onnxruntime-node';

const [modelPath, sizeArg, viewsArg] = process.argv.slice(2);
const size = Number(sizeArg);
const views = Number(viewsArg);
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
const input = new ort.Tensor('float32', new Float32Array(views * size * size).fill(0.1), [views, 1, size, size]);
const feeds = { [session.inputNames[0]]: input };
for (let i = 0; i < 20; i++) await session.run(feeds);
let best = Infinity;
for (let block = 0; block < 10; block++) {
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) await session.run(feeds);
  best = Math.min(best, (performance.now() - t0) / 50);
}
process.stdout.write(`${best}\n`);
