// The sign-in bench's baseline for fast refusals: a bare node:http server that
// answers every request 503 at once while it hashes like Kastell does under a
// flood — `bound` argon2 verifications back to back on libuv's pool threads at
// KASTELL_ARGON2_NICE. Whatever latency its 503s show on this machine, with
// this load generator, is what the machine and the generator cost; Kastell's
// refusals are compared with it (test/bench/signin.ts).
// Run: node --import tsx test/bench/bare-refusal-server.ts PORT BOUND NICE
import { createServer } from 'node:http';
import argon2 from 'argon2';
import { argon2Options } from '../../app/auth/password.ts';
import { lowerPoolThreads, setHashingNice } from '../../app/auth/thread-priority.ts';

const [port, bound, nice] = process.argv.slice(2).map(Number) as [number, number, number];
const body = Buffer.from(JSON.stringify({ error: { code: 'busy', message: 'Too many sign-ins are being checked right now. Try again in a moment.', requestId: '' } }));
const server = createServer((request, response) => {
  response.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': body.byteLength, 'Retry-After': '1' });
  response.end(body);
});
setHashingNice(nice);
await lowerPoolThreads();
const hash = await argon2.hash('a long and memorable benchmark passphrase', argon2Options);
for (let i = 0; i < bound; i++) {
  void (async () => {
    for (;;) await argon2.verify(hash, 'wrong password');
  })();
}
server.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
