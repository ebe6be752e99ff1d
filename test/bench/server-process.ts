// A Kastell server in a child process of its own, for benchmarks that must
// measure the server's memory apart from the load generator's: its RSS is
// read from /proc/<pid>/status, never from this process.
import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../..', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** VmRSS and VmHWM (bytes) of a process, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

const clockTicks = (() => {
  try { return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { return 100; }
})();

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on (the name may hold spaces)
  return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime, stime: the 14th and 15th
}

/** Samples VmRSS every 20 ms until stopped; stop() returns the highest seen. */
export function sampleRss(pid: number): { stop: () => number } {
  let peak = 0;
  const read = () => {
    try { peak = Math.max(peak, memoryOf(pid).rss); } catch { /* exited */ }
  };
  const timer = setInterval(read, 20);
  return { stop: () => { clearInterval(timer); read(); return peak; } };
}

/** Starts `node app/main.ts` with `env` and waits until `${url}/healthz` answers 200. */
export async function startKastellProcess(env: Record<string, string>, url: string, stdout: StdioOptions[number] = 'ignore'): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'pipe'] as StdioOptions,
  });
  let output = '';
  child.stderr!.on('data', (chunk) => { output = (output + chunk).slice(-4000); });
  for (let i = 0; i < 1200 && child.exitCode === null; i++) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) return child;
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`Kastell did not start: ${output.slice(-800)}`);
}

/** SIGTERM, then SIGKILL after 10 s. */
export async function stopKastellProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
