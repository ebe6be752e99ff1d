// The argon2 bound's lanes (app/auth/hash-limiter.ts), without argon2: each
// "hash" is a promise the test settles, so the order is the limiter's alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashLimiter, type Lane } from '../../app/auth/hash-limiter.ts';

/** A hash that runs until `finish()`; `started` tells whether the limiter let it begin. */
function hashIn(limiter: HashLimiter, lane: Lane) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => { finish = resolve; });
  const state = { started: false, outcome: undefined as undefined | 'ok' | number, finish: () => finish() };
  const ran = limiter.run(async () => { state.started = true; await done; }, lane)
    .then(() => { state.outcome = 'ok'; }, (error: { status: number }) => { state.outcome = error.status; });
  return Object.assign(state, { ran });
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a known device takes the next free slot: it waits for the hash under way, not behind the general queue, and the bound holds', async () => {
  const limiter = new HashLimiter(1, 2);
  const a = hashIn(limiter, 'general');
  await tick();
  assert.equal(a.started, true);
  const b = hashIn(limiter, 'general');
  const known = hashIn(limiter, 'known_device');
  await tick();
  assert.deepEqual([b.started, known.started], [false, false], 'one hash at a time: the bound is 1');
  a.finish();
  await a.ran;
  await tick();
  assert.deepEqual([b.started, known.started], [false, true], 'the known device goes before the general queue');
  known.finish();
  await known.ran;
  await tick();
  assert.equal(b.started, true, 'after it, the general queue goes on');
  b.finish();
  await b.ran;
  assert.equal(limiter.running('general') + limiter.running('known_device'), 0);
});

test('with a bound of 2, a known device starts beside a general hash at once', async () => {
  const limiter = new HashLimiter(2, 2);
  const a = hashIn(limiter, 'general');
  const known = hashIn(limiter, 'known_device');
  await tick();
  assert.deepEqual([a.started, known.started], [true, true]);
  const b = hashIn(limiter, 'general');
  await tick();
  assert.equal(b.started, false, 'the bound is 2 in all');
  a.finish();
  known.finish();
  await Promise.all([a.ran, known.ran]);
  await tick();
  assert.equal(b.started, true);
  b.finish();
  await b.ran;
});

test('a lane admits at most slots + queue hashes, running or waiting, also while it is held back: beyond that a 503 at once, and hasRoom says so first', async () => {
  const limiter = new HashLimiter(1, 2);
  const known = hashIn(limiter, 'known_device');
  await tick();
  // the known device holds the one slot: the general lane's 1 + 2 places all wait
  const waiting = [hashIn(limiter, 'general'), hashIn(limiter, 'general'), hashIn(limiter, 'general')];
  assert.equal(limiter.hasRoom('general'), false, 'the lane is full');
  const refused = hashIn(limiter, 'general');
  await refused.ran;
  assert.equal(refused.outcome, 503);
  assert.equal(limiter.rejected, 1);
  // a second known device waits in its own queue and goes before the general ones
  const second = hashIn(limiter, 'known_device');
  known.finish();
  await known.ran;
  await tick();
  assert.equal(second.started, true);
  assert.deepEqual(waiting.map((w) => w.started), [false, false, false]);
  second.finish();
  await second.ran;
  for (let i = 0; i < waiting.length; i++) {
    await tick();
    assert.deepEqual(waiting.map((w) => w.started), waiting.map((_, j) => j <= i), 'one at a time: the bound is 1');
    waiting[i]!.finish();
    await waiting[i]!.ran;
  }
});

test('a reservation holds its place from admission: the lane stays full while reserved sign-ins do their other work, a released one gives it back, a used one runs in it', async () => {
  const limiter = new HashLimiter(1, 1);
  const first = limiter.reserve('general')!;
  const second = limiter.reserve('general')!;
  assert.ok(first && second);
  assert.equal(limiter.hasRoom('general'), false, 'two admitted, none hashing yet: full');
  assert.equal(limiter.reserve('general'), undefined, 'a third is refused before any work');
  assert.equal(limiter.rejected, 1);
  const unreserved = hashIn(limiter, 'general');
  await unreserved.ran;
  assert.equal(unreserved.outcome, 503, 'a hash without a place is refused too');
  assert.equal(limiter.hasRoom('known_device'), true, 'the known devices\' lane is its own');
  // the first hashes in its place, the second gives its place back (say, refused by the request limits)
  let finish!: () => void;
  const running = limiter.run(() => new Promise<void>((resolve) => { finish = resolve; }), 'general', first);
  await tick();
  assert.equal(limiter.running('general'), 1);
  second.release();
  second.release();
  assert.equal(limiter.hasRoom('general'), true, 'released once, however often it is called');
  const third = limiter.reserve('general')!;
  assert.ok(third);
  assert.equal(limiter.hasRoom('general'), false);
  first.release(); // used already: nothing
  assert.equal(limiter.hasRoom('general'), false, 'a used reservation gives nothing back');
  finish();
  await running;
  third.release();
  assert.equal(limiter.hasRoom('general'), true);
  assert.equal(limiter.running('general'), 0);
});
