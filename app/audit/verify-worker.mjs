// Worker thread for verification: fetches ranges of the chain over its own
// connection and checks them, so fetching (postgres.js row parsing) and
// hashing run on several cores. Plain JS so it starts the same way under
// `node --import tsx` and under bin/kastell.js: it registers tsx itself,
// then loads the TypeScript modules.
import { register } from 'tsx/esm/api';
import { parentPort, workerData } from 'node:worker_threads';

register();
const { connectDatabase } = await import('../db/client.ts');
const { checkChainRange, fetchChainRange, prepareSeals } = await import('./verify-page.ts');
const db = connectDatabase(workerData.url, { max: 1 });
const checkpoints = new Map(workerData.checkpoints);
const seals = prepareSeals(workerData.seals);
parentPort.on('message', async (message) => {
  if (message.close) {
    await db.close();
    parentPort.close();
    return;
  }
  try {
    const rows = await fetchChainRange(db, message.after, message.through);
    parentPort.postMessage({ id: message.id, result: checkChainRange(rows, checkpoints, seals) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String(error?.message ?? error) });
  }
});
parentPort.postMessage({ ready: true });
