// A bound on concurrent argon2 work (64 MiB each): at most `concurrency`
// hashes run, at most `queue` wait; anything beyond gets a fast 503 with
// Retry-After instead of a queue that grows without bound.
import { HttpError } from '../http/errors.ts';

export class HashLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  rejected = 0;

  constructor(readonly concurrency: number, readonly queue: number) {}

  get inFlight(): number {
    return this.running;
  }

  /** Runs `work` inside the bound, or throws 503 at once when the bound and the queue are full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) {
        this.rejected++;
        throw new HttpError(503, 'busy', 'Too many sign-ins are being checked right now. Try again in a moment.', [], {
          'Retry-After': '1',
        });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // hand the slot over: running stays the same
      else this.running--;
    }
  }
}
