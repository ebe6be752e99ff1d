// A background job on a cron schedule (node-cron, UTC), one run at a time: a
// run still going when the next is due is not started twice; stop() ends the
// schedule and waits for the run in flight.
import cron from 'node-cron';

export function scheduleOneAtATime(
  expression: string,
  run: () => Promise<unknown>,
  onError: (error: Error) => void,
): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const task = cron.schedule(expression, () => {
    if (running) return;
    running = run().catch(onError).finally(() => { running = undefined; });
  }, { timezone: 'Etc/UTC' });
  return {
    async stop() {
      await task.stop();
      await running;
    },
  };
}
