import { readdirSync, readFileSync } from 'node:fs';
import { REPO_ROOT } from './config.js';

/**
 * Hostile and malformed requests for the gateway, generated from a seed so a failure can be
 * replayed: mutations of the real operations in schema/operations, random token soup, and the
 * classic attacks (deep nesting, alias floods, fragment cycles, directive floods, huge strings,
 * introspection bombs, wrong variable types, non-JSON bodies). Shared by the fuzz test (a few
 * thousand, in `npm test`) and `npm run soak -- --fuzz` (as many as asked).
 */
export interface HostileRequest {
  readonly kind: string;
  /** The raw HTTP body: usually JSON, sometimes deliberately not. */
  readonly body: string;
}

/** mulberry32: a tiny seeded PRNG, so every generated case can be reproduced from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ':',
  '!',
  '$',
  '=',
  '@',
  '...',
  '"',
  '"""',
  '#',
  ',',
  '|',
  '&',
  'query',
  'mutation',
  'subscription',
  'fragment',
  'on',
  'null',
  'true',
  '0',
  '-1',
  '1e999',
  'stp',
  'stps',
  'code',
  'region',
  '__typename',
  '__schema',
  '\u0000',
  '\uFFFF',
  '😀',
  '\\',
  '\n',
];

function realOperations(): string[] {
  const dir = `${REPO_ROOT}schema/operations/`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => readFileSync(`${dir}${f}`, 'utf8'));
}

export function hostileRequests(count: number, seed = 20181231): HostileRequest[] {
  return [...hostileRequestStream(count, seed)];
}

/** The same requests one at a time, so a large run never holds them all (some are 500 kB). */
export function* hostileRequestStream(count: number, seed = 20181231): Generator<HostileRequest> {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (max: number) => Math.floor(random() * max);
  const operations = realOperations();
  const json = (kind: string, payload: unknown): HostileRequest => ({ kind, body: JSON.stringify(payload) });
  const variables = () =>
    pick<unknown>([
      { code: 'QJM' },
      { code: 123 },
      { code: null },
      { code: ['QJM'] },
      { first: -1 },
      { first: 1e9 },
      { first: 'ten' },
      { asOf: '2018-02-30' },
      { asOf: 'yesterday' },
      'not-an-object',
      [],
      null,
      { code: 'x'.repeat(10_000) },
      { __proto__: { polluted: true }, code: 'QJM' },
    ]);

  const generators: (() => HostileRequest)[] = [
    () => {
      // A real operation with a few characters cut, swapped or inserted.
      let text = pick(operations);
      for (let edits = 1 + int(4); edits > 0; edits--) {
        const at = int(text.length);
        text = text.slice(0, at) + (random() < 0.6 ? pick(TOKENS) : '') + text.slice(at + int(4));
      }
      return json('mutated operation', { query: text, variables: variables() });
    },
    () =>
      json('token soup', {
        query: Array.from({ length: 1 + int(60) }, () => pick(TOKENS)).join(random() < 0.5 ? ' ' : ''),
      }),
    () => {
      const depth = 13 + int(40);
      return json('deep nesting', {
        query: `{ stp(code: "QJM") { ${'region { stps { '.repeat(depth)} code ${'} } '.repeat(depth)} } }`,
      });
    },
    () =>
      json('alias flood', {
        query: `{ ${Array.from({ length: 41 + int(500) }, (_, i) => `a${i}: stp(code: "QJM") { name }`).join(' ')} }`,
      }),
    () =>
      json('fragment cycle', {
        query: '{ stp(code: "QJM") { ...A } } fragment A on Stp { ...B } fragment B on Stp { ...A }',
      }),
    () =>
      json('directive flood', {
        query: `{ stp(code: "QJM") { name ${'@include(if: true) '.repeat(41 + int(200))} } }`,
      }),
    () => json('huge string', { query: `{ stp(code: "${'Q'.repeat(100_000 + int(400_000))}") { name } }` }),
    () =>
      json('introspection bomb', {
        query: `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`,
      }),
    () =>
      json('wrong variable types', {
        query:
          'query Q($code: ID!, $first: Int, $asOf: Date) { stp(code: $code) { name region(asOf: $asOf) { name } } stps(first: $first) { totalCount } }',
        variables: variables(),
      }),
    () =>
      json('unknown operation name', {
        query: pick(operations),
        operationName: pick(['Nope', '', 42, null]),
        variables: variables(),
      }),
    () =>
      json(
        'not a query field',
        pick<unknown>([{ query: 42 }, { query: null }, { query: ['{ a }'] }, {}, { variables: {} }, []]),
      ),
    () => json('mutation on a read-only graph', { query: 'mutation { deleteEverything }' }),
    () =>
      json('bogus persisted query', {
        extensions: { persistedQuery: { version: pick([1, 2, 'x']), sha256Hash: pick(['nope', '0'.repeat(64), 42]) } },
      }),
    () => ({ kind: 'not JSON', body: pick(['not json', '{', '{"query":', '\u0000\u0001', '']) }),
  ];
  for (let i = 0; i < count; i++) yield pick(generators)();
}
