// The fast canonical encoding the chain hashes must equal the generic
// canonicalJson over the same event, whatever the event holds.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { canonicalEvent, canonicalJson, type ChainedEvent } from '../../app/audit/canonical.ts';

const details: Record<string, unknown>[] = [
  {},
  { fields: 'name,customerNumber' },
  { '10': 'ten', '9': 'nine', b: [3, { z: 1, a: null }], a: 'x' }, // integer-like keys: V8 orders them first, canonical does not
  { 'ü': '€𝄞', '"quoted"': 'back\\slash', control: '\u0001\n', lone: '\ud800' },
  { nested: { deeper: { list: [], empty: {} } }, number: 1.5e300, negative: -0, bool: false },
];

function sampleEvent(i: number): ChainedEvent {
  const maybe = (value: string) => (i % 3 === 0 ? null : value);
  return {
    eventId: randomUUID(), occurredAt: '2026-11-23T00:00:59.755843Z', actorType: i % 2 ? 'user' : 'system',
    actorId: maybe(randomUUID()), actorLabel: maybe(`label "${i}" ✓`), action: 'company.updated', entityType: maybe('company'),
    entityId: maybe(`id-${i}\t`), companyId: maybe(randomUUID()), outcome: 'success', ipHmac: maybe('ab'.repeat(32)),
    userAgentHmac: maybe('cd'.repeat(32)), requestId: maybe(randomUUID()), detail: details[i % details.length]!,
  };
}

test('canonicalEvent equals canonicalJson for nulls, escapes, unicode, integer-like and nested keys', () => {
  for (let i = 0; i < 60; i++) {
    const event = sampleEvent(i);
    assert.equal(canonicalEvent(event), canonicalJson(event), JSON.stringify(event));
    assert.deepEqual(JSON.parse(canonicalEvent(event)), JSON.parse(JSON.stringify(event)));
  }
});

test('canonicalJson sorts keys at every depth and drops undefined values', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { f: undefined, e: 'x' }], c: null } }), '{"a":{"c":null,"d":[2,{"e":"x"}]},"b":1}');
});
