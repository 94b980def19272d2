import { readFileSync } from 'node:fs';
import { buildASTSchema, parse, print, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SUPERGRAPH_PATH } from '../../config.js';
import { deferrableOnly, withoutIncremental } from './executor.js';

const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
const schema = buildASTSchema(parse(supergraph), { assumeValid: true, assumeValidSDL: true });
const refusals = (query: string) => validate(schema, parse(query), [deferrableOnly(supergraph)]).map((e) => e.message);

describe("what Hive's JS executor is given for @defer and @stream", () => {
  it('sends subgraphs the document without @defer and @stream, and without the variables only they used', () => {
    const sent = withoutIncremental(
      parse(
        'query($n: Int!, $code: ID!) { stp(code: $code) { ... @defer(label: "x") { leads @stream(initialCount: $n) { name } } } }',
      ),
    );
    expect(print(sent)).toBe(print(parse('query($code: ID!) { stp(code: $code) { ... { leads { name } } } }')));
    const plain = parse('{ stp(code: "QJM") { name } }');
    expect(withoutIncremental(plain)).toBe(plain);
  });

  it('refuses the deferred fragments it answers wrongly on this graph, and lets through those it answers right', () => {
    expect(refusals('{ stp(code: "QJM") { financialGap { horizon ... @defer { combinedGbpM } } } }')).toEqual([
      '@defer on FinancialGap, a type without a key, is not supported: defer the field that leads to it (docs/frontend.md, "@defer and @stream").',
    ]);
    expect(refusals('{ stp(code: "QJM") { name ... @defer { population } } }')).toEqual([
      '@defer on Stp needs its key (code) selected beside the fragment (docs/frontend.md, "@defer and @stream").',
    ]);
    expect(
      refusals(
        '{ regionSnapshot(code: "Y60", asOf: "2020-01-01") { regionCode asOf ... @defer { financialSummary { combinedGapGbpM } } } }',
      ),
    ).toEqual([
      '@defer around RegionSnapshot.financialSummary is not supported: defer the field that leads to RegionSnapshot (docs/frontend.md, "@defer and @stream").',
    ]);
    for (const query of [
      '{ stp(code: "QJM") { code ... @defer { name population } } }',
      '{ ... @defer { stp(code: "QJM") { name } } }',
      '{ stp(code: "QJM") { ...Key ...Gap @defer } } fragment Key on Stp { code } fragment Gap on Stp { financialGap { combinedGbpM } }',
      '{ stp(code: "QJM") { code ... @defer(label: "a") { name ... @defer(label: "b") { financialGap { combinedGbpM } } } } }',
    ])
      expect(refusals(query)).toEqual([]);
  });
});
