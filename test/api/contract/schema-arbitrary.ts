import fc from 'fast-check';

/*
 * JSON Schema (the subset zod writes into the OpenAPI document) → fast-check arbitraries:
 * values the schema accepts, and values it should refuse. The contract test sends both.
 */

export type Schema = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Rejections in a row after which a filter is called hopeless. */
const MAX_REJECTIONS = 10_000;

/**
 * `arb.filter(keep)` that fails loudly instead of spinning: fast-check retries a filter
 * forever, synchronously, so a predicate that (almost) never holds froze the whole test
 * process at full CPU with the server idle, and no test timeout could fire. This throws,
 * naming the generator, once `keep` has refused MAX_REJECTIONS candidates in a row.
 */
export function boundedFilter<T>(arb: fc.Arbitrary<T>, keep: (v: T) => boolean, what: string): fc.Arbitrary<T> {
  let refused = 0;
  return arb.filter((v) => {
    if (keep(v)) {
      refused = 0;
      return true;
    }
    if (++refused >= MAX_REJECTIONS)
      throw new Error(`the generator for ${what} refused ${MAX_REJECTIONS} candidates in a row: build its values instead of filtering them`);
    return false;
  });
}

function stringArb(s: Schema): fc.Arbitrary<string> {
  const minLength = num(s.minLength) ?? 0;
  // Long strings prove little here and slow the server down: cap what is generated.
  const maxLength = Math.min(num(s.maxLength) ?? 40, minLength + 40);
  if (typeof s.pattern === 'string') {
    const re = new RegExp(s.pattern);
    // Built from the pattern, not filtered: random strings almost never match a strict pattern
    // (a 64-hex content hash, a #rrggbb colour), and a filter would spin forever on them.
    // Only the schema's own bounds filter, never the generation cap above: a pattern that
    // fixes the length beyond the cap (a 64-hex hash against 40) would make the filter spin
    // forever, the test process at full CPU and the server idle.
    const declaredMax = num(s.maxLength);
    if (num(s.minLength) === undefined && declaredMax === undefined) return fc.stringMatching(re);
    return boundedFilter(
      fc.stringMatching(re),
      (x) => x.length >= minLength && (declaredMax === undefined || x.length <= declaredMax),
      `strings matching ${s.pattern}`,
    );
  }
  if (s.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4102444800000) }).map((d) => d.toISOString());
  return fc.string({ minLength, maxLength, unit: fc.constantFrom('a', 'b', 'Z', '0', ' ', '-', '_', 'é', '/', '.', '%', '"') });
}

function numberArb(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const lo = num(s.minimum) ?? (num(s.exclusiveMinimum) !== undefined ? (num(s.exclusiveMinimum) as number) + (integer ? 1 : 1e-6) : -1e6);
  const hi = num(s.maximum) ?? (num(s.exclusiveMaximum) !== undefined ? (num(s.exclusiveMaximum) as number) - (integer ? 1 : 1e-6) : 1e6);
  const min = Math.max(lo, -1e6);
  const max = Math.min(hi, 1e6);
  if (integer) return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** Values that the schema accepts. */
export function valid(s: Schema | boolean | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (s === undefined || s === true || (typeof s === 'object' && Object.keys(s).length === 0)) {
    return depth > 2 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
  }
  if (s === false) return fc.constant(undefined);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alts = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alts) return fc.oneof(...alts.map((a) => valid(a, depth + 1)));
  const type = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
  if (type.length > 1) return fc.oneof(...type.map((t) => valid({ ...s, type: t }, depth)));
  switch (type[0]) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return numberArb(s, true);
    case 'number':
      return numberArb(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = num(s.minItems) ?? 0;
      const maxLength = Math.min(num(s.maxItems) ?? 4, minLength + 4);
      if (Array.isArray(s.prefixItems)) return fc.tuple(...(s.prefixItems as Schema[]).map((p) => valid(p, depth + 1)));
      return fc.array(valid(s.items as Schema, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set((s.required as string[] | undefined) ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, p] of Object.entries(props)) record[k] = valid(p, depth + 1);
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** One way to break a value the schema would accept, tried on the value itself or one of its fields. */
export function invalid(s: Schema): fc.Arbitrary<unknown> {
  const type = s.type;
  const candidates: fc.Arbitrary<unknown>[] = [];
  if (type === 'object') {
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const required = (s.required as string[] | undefined) ?? [];
    const base = valid(s) as fc.Arbitrary<Record<string, unknown>>;
    if (s.additionalProperties === false) candidates.push(base.map((v) => ({ ...v, surpriseField: 1 })));
    if (required.length)
      candidates.push(fc.tuple(base, fc.constantFrom(...required)).map(([v, k]) => Object.fromEntries(Object.entries(v).filter(([x]) => x !== k))));
    const typed = Object.entries(props).filter(([, p]) => typeof p.type === 'string');
    if (typed.length) {
      candidates.push(fc.tuple(base, fc.constantFrom(...typed)).map(([v, [k, p]]) => ({ ...v, [k]: p.type === 'string' ? 12345 : 'not-a-' + String(p.type) })));
    }
    candidates.push(fc.constantFrom<unknown>([], 'text', 42, null));
  } else if (type === 'string') {
    candidates.push(fc.constantFrom<unknown>(42, true, null));
    if (typeof s.maxLength === 'number') candidates.push(fc.constant('x'.repeat((s.maxLength as number) + 1)));
  } else if (type === 'integer' || type === 'number') {
    candidates.push(fc.constantFrom<unknown>('NaN', true, null, 'x'));
    if (typeof s.maximum === 'number') candidates.push(fc.constant((s.maximum as number) + 1));
    if (typeof s.minimum === 'number') candidates.push(fc.constant((s.minimum as number) - 1));
    if (type === 'integer') candidates.push(fc.constant(1.5));
  } else {
    candidates.push(fc.constantFrom<unknown>({ unexpected: [1, 2] }, 'text'));
  }
  return fc.oneof(...candidates);
}
