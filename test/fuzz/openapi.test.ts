// Fuzzing from the OpenAPI document the server serves: for every operation
// and every role (anonymous, each operator role, each customer role, a
// custom role with a random set of permissions), fast-check draws path ids
// (the company's own, random, malformed), query strings and bodies (the
// kit's valid sample, the sample with a field changed to another valid or to
// an almost-valid value, a missing or an unknown key, a body from the schema
// alone, no object at all, malformed JSON). Every answer must be below 500,
// carry a status the document declares for the operation, and a JSON body
// valid for that status's schema; a request answered 4xx must have written
// nothing (every table's row count and newest xmin, before and after).
// KASTELL_FUZZ_REQUESTS sets the size (npm run test:fuzz: 10,500; npm test: 300).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { customerRoles, operatorRoles } from '../features/kit.ts';
import type { TestClient, TestResponse } from '../harness/server.ts';
import { bodies, pathValue, query } from './arbitraries.ts';
import { bookkeeping, conformance, describe, histogram, seed, size, startFuzzWorld, type Caller, type Company, type Operation } from './harness.ts';

const requests = size('KASTELL_FUZZ_REQUESTS', 300);
/** Requests per company: then a fresh company (its rows may have been deleted, its report signed…) and fresh callers. */
const perRound = size('KASTELL_FUZZ_ROUND', 1500);

const w = await startFuzzWorld();
const { t, server, operations } = w;
// Tables the audit service writes in the background (chaining events after their commit, signing checkpoints), not
// requests: audit.events, which requests write, is fingerprinted. Settled before each request as far as it can be.
const background = (table: string) => /^audit\.(chain|checkpoints|verifications)(_default|_\d{4}_\d{2})?$/.test(table);

/**
 * What a refused sign-in must write, by design: the failure counts towards the
 * lockout (kastell.auth_failures) and is audited (audit.events and its monthly
 * partition), and the challenge it answered is spent (kastell.auth_challenges:
 * one answer per challenge, right or wrong). Only the public sign-in and token
 * routes may; everything else a 4xx writes is a finding.
 */
const signInRoutes = new Set(['post /auth/sign-in', 'post /auth/second-factor', 'post /auth/passkey/verify', 'post /auth/password-reset/complete', 'post /auth/email-confirm']);
const refusalRecords = (op: Operation, table: string) =>
  (signInRoutes.has(op.key) && (table === 'kastell.auth_failures' || table === 'kastell.auth_challenges' || table === 'audit.events' || /^audit\.events_\d{4}_\d{2}$/.test(table)))
  // a passkey registration answered wrongly spends its challenge too
  || (op.key === 'post /me/passkeys' && table === 'kastell.auth_challenges');

async function callersOf(company: Company): Promise<Caller[]> {
  const callers: Caller[] = [{ role: 'anonymous', companyId: null, client: server.client() }];
  for (const role of operatorRoles) callers.push(await w.callerOf(role, null));
  for (const role of customerRoles) callers.push(await w.callerOf(role, company.companyId));
  const permissions = fc.sample(fc.subarray(w.assignable, { minLength: 1 }), { numRuns: 1, seed })[0]!;
  callers.push(await w.customCaller(company.companyId, permissions));
  return callers;
}

interface Drawn { op: Operation; caller: number; path: string; query: string; body: unknown; raw?: string; idempotencyKey?: string }

function arbitraryRequest(company: Company, callers: number): (op: Operation) => fc.Arbitrary<Drawn> {
  const ids = fc.constantFrom(...Object.values(company.ids));
  const perOperation = (op: Operation): fc.Arbitrary<Drawn> => {
    const sample = w.samples[op.key];
    const pathIds = sample?.pathIds?.(company.ids) ?? company.ids;
    const params = [...op.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const path = fc.tuple(...params.map((name) => pathValue(pathIds[name], ids)))
      .map((values) => '/api/v1' + op.path.replace(/:(\w+)/g, () => values.shift()!));
    const queryParameters = op.parameters.filter((p) => p.in === 'query');
    const body = op.body
      ? bodies(op.body, sample ? fc.constant(sample.body(company.ids, w.world) as Record<string, unknown>) : undefined, ids)
      : fc.constant(undefined);
    // fc.option's freq is the chance of nil (1 in freq): a raw body in 1 of 12 requests
    const raw = fc.oneof({ weight: 11, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('{"a":', '{', 'null', '[1,2', '{"__proto__":{"x":1}}', '"\\ud800"', '{"a":1,"a":2}', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]') });
    const key = op.successStatus === 201
      ? fc.option(fc.oneof({ weight: 4, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constantFrom('', 'x', 'not a key', 'k'.repeat(300)) }), { freq: 2, nil: undefined })
      : fc.constant(undefined);
    return fc.record({ op: fc.constant(op), caller: fc.nat({ max: callers - 1 }), path, query: query(queryParameters, ids), body, raw: op.body ? raw : fc.constant(undefined), idempotencyKey: key });
  };
  return perOperation;
}

/** `count` requests over every operation in turn (each operation's own draws interleaved), so even a short run calls each. */
function drawRequests(company: Company, callers: number, count: number, runSeed: number): Drawn[] {
  const perOperation = arbitraryRequest(company, callers);
  const each = Math.ceil(count / operations.length);
  const draws = operations.map((op, i) => fc.sample(perOperation(op), { numRuns: each, seed: runSeed + i }));
  const start = runSeed % operations.length;
  const out: Drawn[] = [];
  for (let k = 0; out.length < count; k += 1) {
    const op = (start + k) % operations.length;
    out.push(draws[op]![Math.floor(k / operations.length)]!);
  }
  return out;
}

/** A request with a raw (malformed) JSON body, with the client's cookies and our Origin. */
async function rawRequest(client: TestClient, method: string, path: string, body: string, headers: Record<string, string>): Promise<TestResponse> {
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const response = await fetch(client.baseUrl + path, { method, redirect: 'manual', body,
    headers: { ...headers, 'content-type': 'application/json', origin: new URL(client.baseUrl).origin, ...(cookie ? { cookie } : {}) } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

async function settle(): Promise<void> {
  await server.audit.sequencer.runOnce();
  await server.notificationMail.deliverPending();
}

test(`fuzz: ${requests} requests drawn from the OpenAPI document, every operation and role: no 5xx, every answer as declared, nothing written by a 4xx`, async (context) => {
  context.diagnostic(`seed ${seed} (KASTELL_FUZZ_SEED repeats a run); ${operations.length} operations; tables fingerprinted: ${w.tables.filter((x) => !background(x)).length} (bookkeeping left out: ${[...bookkeeping.keys()].join(', ')})`);
  const statuses: number[] = [];
  const findings = new Map<string, string>();
  const covered = new Set<string>();
  let writes4xx = 0;
  const timing = { settle: 0, fingerprint: 0, request: 0, seeding: 0 };
  for (let done = 0, round = 0; done < requests; round += 1) {
    const s0 = performance.now();
    const company = await w.seedCompany();
    const callers = await callersOf(company);
    timing.seeding += performance.now() - s0;
    const drawn = drawRequests(company, callers.length, Math.min(perRound, requests - done), seed + round * 7919);
    let last: Map<string, string> | undefined; // the fingerprint after a refused request: nothing ran since
    for (const request of drawn) {
      done += 1;
      if (done % 500 === 0) process.stderr.write(`# fuzz: ${done} of ${requests} requests\n`);
      const caller = callers[request.caller]!;
      const method = request.op.method.toUpperCase();
      const url = request.path + request.query;
      const headers: Record<string, string> = request.idempotencyKey !== undefined ? { 'idempotency-key': request.idempotencyKey } : {};
      let t0 = performance.now();
      // after an accepted request the audit service chains its events and notifications go out: wait for both
      if (!last) await settle();
      timing.settle += performance.now() - t0; t0 = performance.now();
      const before = last ?? await w.fingerprint();
      last = undefined;
      timing.fingerprint += performance.now() - t0; t0 = performance.now();
      const response = request.raw !== undefined
        ? await rawRequest(caller.client, method, url, request.raw, headers)
        : await caller.client.request(method, url, { json: request.body, headers });
      statuses.push(response.status);
      timing.request += performance.now() - t0;
      covered.add(`${request.op.key} ${caller.role}`);
      const label = `${caller.role}: ${describe(method, url.length > 300 ? `${url.slice(0, 300)}…` : url, request.raw ?? request.body, response)}`;
      if (process.env.KASTELL_FUZZ_TRACE && new RegExp(process.env.KASTELL_FUZZ_TRACE).test(`${caller.role} ${request.op.key}`)) process.stderr.write(`# ${label}\n`);
      const problem = conformance(request.op, response);
      if (problem) findings.set(`${request.op.key} ${problem.slice(0, 60)}`, `${problem}\n    ${label}${response.status >= 500 ? `\n    cause: ${w.causeOf(response.text)}` : ''}`);
      if (response.status >= 400 && response.status < 500) {
        const after = await w.fingerprint();
        last = after;
        const written = w.changed(before, after).filter((table) => !background(table) && !refusalRecords(request.op, table));
        if (written.length > 0) {
          writes4xx += 1;
          findings.set(`${request.op.key} wrote ${written.join(',')}`, `a ${response.status} answer wrote ${written.join(', ')}\n    ${label}`);
        }
      }
      if (response.status === 401 && caller.user) {
        await w.revive(caller);
        last = undefined;
      }
    }
  }
  context.diagnostic(`time (ms): ${JSON.stringify(Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v)])))}`);
  const fivexx = statuses.filter((s) => s >= 500).length;
  context.diagnostic(`requests ${statuses.length}; statuses ${histogram(statuses)}; 5xx ${fivexx}; 4xx that wrote ${writes4xx}; operation×role pairs ${covered.size}; findings ${findings.size}`);
  console.log(`# fuzz: requests ${statuses.length}; statuses ${histogram(statuses)}; 5xx ${fivexx}; 4xx that wrote ${writes4xx}; findings ${findings.size}`);
  assert.equal(statuses.length, requests);
  assert.deepEqual([...findings.values()], [], 'findings');
  const unseen = operations.filter((op) => ![...covered].some((c) => c.startsWith(`${op.key} `)));
  assert.deepEqual(unseen.map((op) => op.key), [], 'every operation was called');
});

test('the fingerprint sees a write: one row changed as the superuser changes it', async () => {
  const before = await w.fingerprint();
  await t.admin`update kastell.companies set name = name || ' ' where company_id = ${w.world.A}`;
  assert.deepEqual(w.changed(before, await w.fingerprint()), ['kastell.companies']);
  const again = await w.fingerprint();
  await t.admin`delete from kastell.invites where invite_id = ${w.world.inviteB}`;
  assert.deepEqual(w.changed(again, await w.fingerprint()), ['kastell.invites']);
});

test('the conformance check refuses an undeclared status and a body off its schema', () => {
  const op = operations.find((o) => o.key === 'get /companies')!;
  const answer = (status: number, body: unknown): TestResponse => ({ status, headers: new Headers({ 'content-type': 'application/json' }), text: JSON.stringify(body), json: <T,>() => body as T });
  assert.equal(conformance(op, answer(404, { error: { code: 'not_found', message: 'x', requestId: randomUUID() } })), undefined);
  assert.match(conformance(op, answer(500, { error: { code: 'x', message: 'x', requestId: 'r' } }))!, /status 500/);
  assert.match(conformance(op, answer(201, {}))!, /not declared/);
  assert.match(conformance(op, answer(404, { oops: true }))!, /schema declared for default/);
  assert.match(conformance(op, answer(200, [{ companyId: 1 }]))!, /schema declared for 200/);
});
