// fast-check arbitraries derived from the JSON schemas of the OpenAPI
// document: values valid for a schema, and almost-valid ones (one step
// outside it: the wrong type, one character too long, a number past its
// bound, a missing or an unknown key, a malformed id).
import fc from 'fast-check';
import type { JsonSchema } from './harness.ts';

const types = (s: JsonSchema) => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);

/** Text of about the length the schema allows, with some of every kind of character (letters, accents, emoji, quotes, SQL and HTML). */
const nasty = ["O'Brien; drop table x --", '<script>alert(1)</script>', 'Zürich Genève', '%00%27', '${7*7}', '../../etc/passwd', '   ', 'NULL'];
const text = (min: number, max: number) => {
  // chosen before drawing: a filter no value can pass would draw forever
  const fitting = nasty.filter((s) => s.length >= min && s.length <= max);
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, min + 24) }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, min + 12) }) },
    ...(fitting.length ? [{ weight: 1, arbitrary: fc.constantFrom(...fitting) }] : []),
  );
};

/** A value valid for the schema; `ids` give uuids that name rows (else random ones). */
export function valid(schema: JsonSchema, ids: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => valid(s, ids)));
  if (schema.allOf?.length) return valid(Object.assign({}, ...schema.allOf), ids);
  const [type] = types(schema);
  switch (type) {
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = schema.maxLength ?? 200;
      if (schema.format === 'uuid') return fc.oneof({ weight: 3, arbitrary: ids }, { weight: 1, arbitrary: fc.uuid() });
      if (schema.format === 'email') return fc.oneof(fc.emailAddress(), fc.constant('fuzz@example.test'));
      if (schema.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.format === 'date') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      if (schema.pattern) {
        try {
          // lengths the pattern allows are drawn; one outside the bounds is cut or padded to them (rarely valid then: almost-valid)
          return fc.stringMatching(new RegExp(schema.pattern)).map((s) => (s.length > max ? s.slice(0, max) : s.padEnd(min, 'x')));
        } catch {
          return text(min, max);
        }
      }
      return text(min, max);
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000_000);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1_000_000);
      return type === 'integer' ? fc.integer({ min: Math.ceil(Math.max(min, -(2 ** 31))), max: Math.floor(Math.min(max, 2 ** 31)) })
        : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean': return fc.boolean();
    case 'null': return fc.constant(null);
    case 'array': {
      const items = schema.items ?? {};
      return fc.array(valid(items, ids), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, (schema.minItems ?? 0) + 4) });
    }
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties)) record[name] = valid(property, ids);
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in record) });
    }
    default: return fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
  }
}

/** A value one step outside the schema. */
export function invalid(schema: JsonSchema): fc.Arbitrary<unknown> {
  const [type] = types(schema.anyOf?.[0] ?? schema);
  const wrongType = fc.constantFrom<unknown>(null, 0, -1, 1.5, true, '', 'x', [], {}, [null], { a: 1 }, '0', 'true', 1e308, -0);
  const outside: fc.Arbitrary<unknown>[] = [wrongType];
  if (type === 'string') {
    const max = schema.maxLength;
    if (max !== undefined && max < 100_000) outside.push(fc.constant('x'.repeat(max + 1)));
    if (schema.minLength) outside.push(fc.constant('x'.repeat(schema.minLength - 1)));
    if (schema.format === 'uuid') outside.push(fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-00000000000g', '00000000-0000-0000-0000-000000000000', `${'f'.repeat(8)}-${'f'.repeat(4)}-${'f'.repeat(4)}-${'f'.repeat(4)}-${'f'.repeat(12)}x`));
    if (schema.format === 'email') outside.push(fc.constantFrom('no-at-sign', '@example.test', 'a@', 'a b@example.test', `${'a'.repeat(250)}@example.test`));
    if (schema.format === 'date-time' || schema.format === 'date') outside.push(fc.constantFrom('2026-02-30', '2026-13-01T00:00', 'yesterday', '9999-99-99', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z'));
    outside.push(fc.string({ maxLength: 3 }).map((s) => `\u0000${s}`), fc.constant('x'.repeat(20_000)));
  }
  if (type === 'integer' || type === 'number') {
    if (schema.maximum !== undefined) outside.push(fc.constant(schema.maximum + 1));
    if (schema.minimum !== undefined) outside.push(fc.constant(schema.minimum - 1));
    outside.push(fc.constantFrom(2 ** 53, -(2 ** 53), 0.5, 1e300, '12', 'NaN'));
  }
  if (schema.enum) outside.push(fc.constantFrom('unknown', 'OPEN', ''));
  if (type === 'array') outside.push(fc.constant(Array.from({ length: (schema.maxItems ?? 50) + 1 }, () => null)), fc.constant('[]'));
  if (type === 'object') outside.push(fc.constant([]), fc.constant('{}'));
  return fc.oneof(...outside);
}

/**
 * A body for an operation: the kit's sample as it is, the sample with one
 * field changed to another valid value or to an almost-valid one, a missing
 * required field or an unknown key, a body drawn from the schema alone, or no
 * JSON object at all.
 */
export function bodies(schema: JsonSchema, sample: fc.Arbitrary<Record<string, unknown>> | undefined, ids: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  const fromSchema = valid(schema, ids);
  const base = sample ?? (fromSchema as fc.Arbitrary<Record<string, unknown>>);
  const options: fc.WeightedArbitrary<unknown>[] = [
    { weight: 3, arbitrary: base },
    { weight: 2, arbitrary: fromSchema },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, [], 'text', 42, {}) },
    { weight: 1, arbitrary: fc.tuple(base, fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue()).map(([b, k, v]) => ({ ...b, [`x${k}`]: v })) },
  ];
  if (properties.length > 0) {
    const field = fc.constantFrom(...properties);
    options.push(
      { weight: 4, arbitrary: fc.tuple(base, field).chain(([b, [name, property]]) => valid(property, ids).map((v) => ({ ...b, [name]: v }))) },
      { weight: 4, arbitrary: fc.tuple(base, field).chain(([b, [name, property]]) => invalid(property).map((v) => ({ ...b, [name]: v }))) },
      { weight: 1, arbitrary: fc.tuple(base, field).map(([b, [name]]) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== name))) },
    );
  }
  return fc.oneof(...options);
}

/** A path parameter: an id of the company's, a random uuid, or something that is not a uuid at all. */
export function pathValue(known: string | undefined, ids: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: known ? fc.constant(known) : ids },
    { weight: 2, arbitrary: ids },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom('not-a-uuid', '0', '00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '%27%20or%201=1--', '..%2F..%2Fetc', 'a'.repeat(300), '%00', '%E2%80%AE', '😀') },
  );
}

/** A query string for the declared query parameters: valid values, almost-valid ones, unknown parameters, repeated ones. */
export function query(parameters: { name: string; required: boolean; schema: JsonSchema }[], ids: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const one = (p: { name: string; schema: JsonSchema }) => fc.oneof(
    { weight: 4, arbitrary: valid(p.schema, ids) },
    { weight: 2, arbitrary: invalid(p.schema) },
  ).map((v) => [p.name, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string])
    // a URL stays below what Node's HTTP server reads (16 KiB of headers: longer ones get its own 431, not Kastell's)
    .filter(([, v]) => v.length <= 4000);
  const declared = parameters.length ? fc.subarray(parameters).chain((chosen) => fc.tuple(...chosen.map(one))) : fc.constant([] as [string, string][]);
  return fc.tuple(declared, fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('unknown', 'limit', 'offset', 'cursor', '__proto__', 'page'), fc.string({ maxLength: 8 })) }),
    fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }))
    .map(([pairs, extra, twice]) => {
      const all: [string, string][] = [...pairs, ...(extra ? [extra] : []), ...(twice && pairs[0] ? [pairs[0]] : [])];
      return all.length ? `?${new URLSearchParams(all)}` : '';
    });
}
