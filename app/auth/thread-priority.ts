// Hashing yields to the event loop. argon2 runs on libuv's thread pool and,
// with p=4, starts four threads of its own per hash (they inherit the pool
// thread's priority). At the same priority as the event loop they take the
// cores from it, and the requests that should be answered at once — a 429, a
// 503 "busy", a page — wait behind the hashes (issue 10 part 8 measured a
// 988 ms p99 for them). So before a hash starts, libuv's pool threads are
// given a lower priority: `nice` (KASTELL_ARGON2_NICE, default 10; 0 leaves
// them alone). Only those: V8's helper threads do the parallel parts of
// garbage collection while the event loop waits for them, so lowering them
// too (as this did at first) made every collection wait behind the hashes.
// A pool thread is found by asking it: `readlink /proc/thread-self` runs on
// the pool and names the thread that ran it. Linux only (setpriority on a
// thread id); lowering needs no privilege and cannot be undone without one,
// so it is done once per thread.
import { readlink } from 'node:fs/promises';
import { setPriority } from 'node:os';

const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
const lowered = new Set<number>();
let niceness = 0;

export function setHashingNice(nice: number): void {
  niceness = nice;
}

/** The pool threads that ran `probes` concurrent readlinks (each names its thread). */
async function poolThreads(probes: number): Promise<Set<number>> {
  const links = await Promise.all(Array.from({ length: probes }, () => readlink('/proc/thread-self').catch(() => '')));
  return new Set(links.map((link) => Number(link.slice(link.lastIndexOf('/') + 1))).filter((tid) => tid > 0 && tid !== process.pid));
}

/** Lowers libuv's pool threads to the configured nice value; after the first calls, a check of a counter. */
export async function lowerPoolThreads(): Promise<void> {
  if (niceness === 0 || process.platform !== 'linux' || lowered.size >= poolSize) return;
  // a burst well beyond the pool's size keeps every pool thread busy at once, so each takes some
  for (const tid of await poolThreads(poolSize * 16)) {
    if (lowered.has(tid)) continue;
    try {
      setPriority(tid, niceness);
      lowered.add(tid);
    } catch {
      // not a thread of this process any more
    }
  }
}

/** The pool threads lowered so far (tests). */
export function loweredThreads(): ReadonlySet<number> {
  return lowered;
}
