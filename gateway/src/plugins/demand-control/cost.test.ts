import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { costRefusal, estimateCost } from './cost.js';

/** A small graph with the directives composition keeps: paged, assumed, unsized lists and a weight. */
const schema = buildSchema(`
  directive @cost(weight: Int!) on FIELD_DEFINITION
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!]) on FIELD_DEFINITION
  type Region { code: ID! stps: [Stp!]! @listSize(assumedSize: 6) }
  type Stp { code: ID! flags: [String!]! priorities: [Priority!]! gap: Float @cost(weight: 10) }
  type Priority { title: String! }
  type StpPage { nodes: [Stp!]! totalCount: Int! }
  type Query {
    stps(first: Int = 50): StpPage! @listSize(slicingArguments: ["first"], sizedFields: ["nodes"])
    facts(first: Int = 20): [Stp!]! @listSize(slicingArguments: ["first"])
    regions: [Region!]! @listSize(assumedSize: 7)
    stp(code: ID!): Stp
  }
`);
const cost = (document: string, variables: Record<string, unknown> = {}, name: string | null = null) =>
  estimateCost(schema, parse(document), name, variables, 5);

describe('the estimated cost of an operation', () => {
  it('is one per object, times the size of every list around it', () => {
    // A region costs 1, and its 6 STPs 1 each: 7 × (1 + 6).
    expect(cost('{ regions { code stps { code } } }')).toBe(49);
    // An unsized list is assumed 5 long: each STP's priorities.
    expect(cost('{ stp(code: "QJM") { priorities { title } } }')).toBe(1 + 5);
    // Scalars and lists of scalars cost nothing of their own.
    expect(cost('{ stp(code: "QJM") { code flags } }')).toBe(1);
  });

  it("sizes a paged field by its slicing argument, the variable's value or the default, on the field it names", () => {
    expect(cost('query($n: Int) { stps(first: $n) { nodes { code } } }', { n: 200 })).toBe(1 + 200);
    expect(cost('{ stps { nodes { code } totalCount } }')).toBe(1 + 50);
    expect(cost('query($n: Int = 3) { stps(first: $n) { nodes { code } } }')).toBe(1 + 3);
    expect(cost('{ facts(first: 4) { code } }')).toBe(4);
  });

  it('adds the weight @cost gives a field, times the lists around it', () => {
    // The page, its 2 STPs, and 10 for each STP's gap.
    expect(cost('{ stps(first: 2) { nodes { gap } } }')).toBe(1 + 2 + 2 * 10);
  });

  it('counts a fragment where it is spread, inside every list around it', () => {
    const inline = cost('{ regions { stps { priorities { title } } } }');
    expect(
      cost('{ regions { ...R } } fragment R on Region { stps { ...S } } fragment S on Stp { priorities { title } }'),
    ).toBe(inline);
    expect(cost('{ regions { ... on Region { stps { code } } } }')).toBe(cost('{ regions { stps { code } } }'));
  });

  it('estimates the operation named, and nothing for one that is not a query', () => {
    const document = 'query A { regions { code } } query B { stp(code: "QJM") { code } }';
    expect(cost(document, {}, 'A')).toBe(7);
    expect(cost(document, {}, 'B')).toBe(1);
    expect(cost('subscription { regions { code } }')).toBe(0);
  });
});

describe('a cost over the limit', () => {
  it('is refused as a 400 naming the estimate and the limit', () => {
    const error = costRefusal(31_250, 30_000);
    expect(error.message).toMatch(/^Query cost limit exceeded: estimated cost 31250, the limit is 30000\. /);
    expect(error.extensions).toEqual({
      code: 'QUERY_LIMIT_EXCEEDED',
      limit: 'maxCost',
      max: 30_000,
      found: 31_250,
      http: { status: 400 },
    });
  });
});
