import { buildSchema, GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { type FormattedError, oneErrorPerProblem, withNulledRootFields } from './answer.js';

const schema = buildSchema(`
  type Stp { code: ID! name: String }
  type Query { stp(code: ID!): Stp  stps: [Stp!]! }
`);
const failed = (...paths: string[]) => paths.map((path) => new GraphQLError('Subgraph down', { path: [path] }));

describe("an answer whose every root field failed (Hive's executor leaves data out)", () => {
  it('nulls each nullable root field, under its alias, and keeps the errors', () => {
    const document = parse('{ first: stp(code: "QJM") { name } stp(code: "QOP") { name } }');
    const errors = failed('first', 'stp');
    expect(withNulledRootFields(schema, document, undefined, { errors })).toEqual({
      data: { first: null, stp: null },
      errors,
    });
  });

  it('is null as a whole when a non-null root field failed', () => {
    const errors = failed('stps');
    expect(withNulledRootFields(schema, parse('{ stps { code } }'), undefined, { errors })).toEqual({
      data: null,
      errors,
    });
  });

  it('is left alone when it has data, an error without a path, or a fragment at the root', () => {
    const document = parse('{ stp(code: "QJM") { name } }');
    const answered = { data: { stp: null }, errors: failed('stp') };
    expect(withNulledRootFields(schema, document, undefined, answered)).toBe(answered);
    const refused = { errors: [new GraphQLError('Syntax Error')] };
    expect(withNulledRootFields(schema, document, undefined, refused)).toBe(refused);
    const spread = { errors: failed('stp') };
    expect(withNulledRootFields(schema, parse('{ ... on Query { stp(code: "QJM") { name } } }'), null, spread)).toBe(
      spread,
    );
  });
});

describe('one error per problem', () => {
  const notFound = (path: (string | number)[], requestId = 'req-1'): FormattedError => ({
    message: "Region not found: no NHS England region has the ODS or ONS code 'Y99'",
    path,
    extensions: { code: 'NOT_FOUND', serviceName: 'geography', requestId, stacktrace: [`at ${path.join('.')}`] },
  });

  it('keeps the first of the same refusal at several fields, every path in extensions.paths', () => {
    const [only, ...rest] = oneErrorPerProblem([notFound(['region']), notFound(['regionSnapshot'])]);
    expect(rest).toEqual([]);
    expect(only?.path).toEqual(['region']);
    expect(only?.extensions.paths).toEqual([['region'], ['regionSnapshot']]);
  });

  it('keeps refusals that differ, and errors without a path, each on its own', () => {
    const other = { ...notFound(['stp']), message: 'STP not found' };
    const general = { message: 'Token limit exceeded', extensions: { code: 'QUERY_LIMIT_EXCEEDED', requestId: 'r' } };
    expect(oneErrorPerProblem([notFound(['region']), other, general, general])).toEqual([
      notFound(['region']),
      other,
      general,
      general,
    ]);
  });
});
