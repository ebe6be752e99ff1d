// Worker thread entry for verification. Plain JS so it starts the same way
// under `node --import tsx` and under bin/kastell.js (which registers tsx in
// code): it registers tsx itself, then loads the TypeScript range checker.
import { register } from 'tsx/esm/api';
import { parentPort, workerData } from 'node:worker_threads';

register();
const { checkChainRange } = await import('./verify-page.ts');
const checkpoints = new Map(workerData.checkpoints);
parentPort.on('message', (message) => {
  parentPort.postMessage({ id: message.id, result: checkChainRange(message.rangeJson, checkpoints) });
});
parentPort.postMessage({ ready: true });
