// Bounded queues for overload (README "Limits under overload"): at most
// `slots` pieces of work run, at most `queue` wait for a slot and none waits
// longer than `waitMs`; anything beyond gets a fast 503 with Retry-After, so
// under ten times the load the server can serve, memory and latency stay
// bounded instead of growing with the backlog. The same pattern as the
// hashing bound (app/auth/hash-limiter.ts), for HTTP requests in flight, the
// database pool and upload streams.
import { HttpError } from './errors.ts';

export interface BoundLimits {
  /** pieces of work running at once */
  slots: number;
  /** more that may wait for a slot (0: none wait) */
  queue: number;
  /** the longest one waits before it is answered 503 */
  waitMs: number;
}

export const overloaded = (message = 'The server is busy right now. Try again in a moment.') =>
  new HttpError(503, 'busy', message, [], { 'Retry-After': '1' });

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (error: HttpError) => void;
  timer: NodeJS.Timeout;
}

export class Bound {
  running = 0;
  private readonly waiting: Waiter[] = [];
  /** answered 503 so far (the bench and tests read it) */
  rejected = 0;

  constructor(readonly limits: BoundLimits, private readonly busy: () => HttpError = () => overloaded()) {}

  get queued(): number {
    return this.waiting.length;
  }

  /** A cheap pre-check: false means acquire() would refuse now. */
  hasRoom(): boolean {
    return this.running < this.limits.slots || this.waiting.length < this.limits.queue;
  }

  /** A slot, or a 503 at once when slots and queue are full (or after waitMs in the queue). Call the release once. */
  acquire(): Promise<() => void> {
    if (this.running < this.limits.slots) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.limits.queue) {
      this.rejected++;
      return Promise.reject(this.busy());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(waiter);
          if (index >= 0) this.waiting.splice(index, 1);
          this.rejected++;
          reject(this.busy());
        }, this.limits.waitMs),
      };
      this.waiting.push(waiter);
    });
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) {
        clearTimeout(next.timer);
        next.resolve(this.releaser()); // the slot is handed over: running stays the same
      } else {
        this.running--;
      }
    };
  }
}
