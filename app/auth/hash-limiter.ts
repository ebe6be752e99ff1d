// A bound on concurrent argon2 work (64 MiB each): at most `concurrency`
// hashes run and at most `queue` wait; anything beyond gets a fast 503
// with Retry-After instead of a queue that grows without bound.
//
// Known devices (a browser that signed in to this account before carries a
// device cookie, OWASP's "device cookie" defence) have a lane of their own:
// a queue of four and the next free slot — while one waits, no general hash
// starts. So a flood of wrong passwords from many addresses cannot starve
// the real user's sign-in: it waits for at most the first of the hashes
// under way, never behind the flood's queue. Known-device hashes run inside
// the same bound (one at a time), so memory stays bound × 64 MiB.
//
// A sign-in takes its place in a lane before its other work (request limits,
// lockout claims: database round trips), not only when it reaches the hash
// (`reserve`, in refuseSignInWhileHashingFull). Otherwise each time a hash
// ended and a queue place opened, every request arriving meanwhile found room,
// did that work, and most were then refused at the hash: measured in the
// sign-in bench, those were the refusals' slow tail. So a lane admits at most
// slots + queue sign-ins — running, waiting or on their way — and any beyond
// that is refused before any work.
import { HttpError } from '../http/errors.ts';

export type Lane = 'general' | 'known_device';

class Pool {
  running = 0;
  /** admitted by reserve() and not yet run */
  reserved = 0;
  readonly waiting: Array<() => void> = [];
  constructor(readonly slots: number, readonly queue: number) {}
  hasRoom(): boolean {
    return this.running + this.waiting.length + this.reserved < this.slots + this.queue;
  }
}

/** A place in a lane, held from admission to the hash (or given back when the request ends without one). */
export class Reservation {
  #held = true;
  constructor(readonly lane: Lane, private readonly pool: Pool) {}
  /** Gives the place back; nothing once run() has used it. */
  release(): void {
    if (this.#held) this.pool.reserved--;
    this.#held = false;
  }
  /** For run(): gives the place back to be taken at once; true when it was still held. */
  take(): boolean {
    const held = this.#held;
    this.release();
    return held;
  }
}

export const busy = () =>
  new HttpError(503, 'busy', 'Too many sign-ins are being checked right now. Try again in a moment.', [], { 'Retry-After': '1' });

export class HashLimiter {
  private readonly pools: Record<Lane, Pool>;
  rejected = 0;

  constructor(readonly concurrency: number, readonly queue: number) {
    this.pools = { general: new Pool(concurrency, queue), known_device: new Pool(1, 4) };
  }

  /** Cheap pre-check before any other work: false means reserve() and run() would refuse now. */
  hasRoom(lane: Lane = 'general'): boolean {
    return this.pools[lane].hasRoom();
  }

  /** A place in the lane for a hash to come, or undefined (counted as refused) when the lane is full. */
  reserve(lane: Lane): Reservation | undefined {
    const pool = this.pools[lane];
    if (!pool.hasRoom()) {
      this.rejected++;
      return undefined;
    }
    pool.reserved++;
    return new Reservation(lane, pool);
  }

  /** Hashes running now in a lane (tests, the bench). */
  running(lane: Lane): number {
    return this.pools[lane].running;
  }

  /** Whether a hash of this lane may start now: within the bound, and a general one only while no known device waits. */
  private mayStart(lane: Lane): boolean {
    const { general, known_device: known } = this.pools;
    if (general.running + known.running >= this.concurrency) return false;
    if (lane === 'known_device') return known.running < known.slots;
    return known.waiting.length === 0;
  }

  /** Starts the waiting hashes that may start now, known devices first. */
  private release(): void {
    for (const lane of ['known_device', 'general'] as const) {
      const pool = this.pools[lane];
      while (pool.waiting.length > 0 && this.mayStart(lane)) {
        pool.running++;
        pool.waiting.shift()!();
      }
    }
  }

  /**
   * Runs `work` inside the bound, or throws 503 at once when the lane is full;
   * with a reservation of this lane still held, in the place it holds.
   */
  async run<T>(work: () => Promise<T>, lane: Lane = 'general', reservation?: Reservation): Promise<T> {
    const pool = this.pools[lane];
    const reserved = reservation !== undefined && reservation.lane === lane && reservation.take();
    if (!reserved && !pool.hasRoom()) {
      this.rejected++;
      throw busy();
    }
    if (this.mayStart(lane) && pool.waiting.length === 0) {
      pool.running++;
    } else {
      await new Promise<void>((resolve) => pool.waiting.push(resolve));
    }
    try {
      return await work();
    } finally {
      pool.running--;
      this.release();
    }
  }
}
