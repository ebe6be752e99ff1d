// Hashing yields to the event loop. argon2 runs on libuv's thread pool and,
// with p=4, starts four threads of its own per hash (they inherit the pool
// thread's priority). At the same priority as the event loop they take the
// cores from it, and the requests that should be answered at once — a 429, a
// 503 "busy", a page — wait behind the hashes (issue 10 part 8 measured a
// 988 ms p99 for them). So before a hash starts, every thread of this
// process but the main one (the event loop) is given a lower priority:
// `nice` (KASTELL_ARGON2_NICE, default 10; 0 leaves them alone). Linux only
// (setpriority on a thread id); lowering needs no privilege and cannot be
// undone without one, so it is done once per thread.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

const lowered = new Set<number>();
let niceness = 0;

export function setHashingNice(nice: number): void {
  niceness = nice;
}

/** Lowers every thread but the event loop's to the configured nice value (new threads since the last call). */
export function lowerWorkerThreads(): void {
  if (niceness === 0 || process.platform !== 'linux') return;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const entry of tids) {
    const tid = Number(entry);
    if (tid === process.pid || lowered.has(tid)) continue;
    try {
      setPriority(tid, niceness);
    } catch {
      // the thread ended meanwhile
    }
    lowered.add(tid);
  }
}
