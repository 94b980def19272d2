import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { KnownOperationTypes, limitsPlugin, MaxStringLength, QUERY_LIMITS } from './limits.js';

const schema = buildSchema('type Query { stp(code: String!): String }');
const check = (document: string) =>
  validate(schema, parse(document), [KnownOperationTypes, MaxStringLength]).map((e) => ({
    message: e.message,
    code: e.extensions.code,
  }));

describe('the limits on a document', () => {
  it('refuse operation types the read-only graph lacks, which graphql-js 16 would let through', () => {
    expect(check('mutation { stp(code: "QJM") }')).toEqual([
      { message: 'This graph has no mutation operations: it is read-only.', code: undefined },
    ]);
    expect(check('subscription { stp(code: "QJM") }')[0]?.message).toMatch(/no subscription operations/);
    expect(check('{ stp(code: "QJM") }')).toEqual([]);
  });

  it('refuse a string literal over the limit, saying by how much, and accept one at the limit', () => {
    const at = 'x'.repeat(QUERY_LIMITS.maxStringLength);
    expect(check(`{ stp(code: "${at}") }`)).toEqual([]);
    expect(check(`{ stp(code: "${at}y") }`)).toEqual([
      {
        message: `String literal limit exceeded: ${QUERY_LIMITS.maxStringLength + 1} characters, the limit is ${QUERY_LIMITS.maxStringLength}. Codes, dates and names are short; pass long text as a variable if you really need it.`,
        code: 'QUERY_LIMIT_EXCEEDED',
      },
    ]);
  });

  it('turn introspection off unless asked for, and block suggestions only in production', () => {
    expect(limitsPlugin({ production: false, introspection: true }).runtimeOptions).toEqual({});
    const off = limitsPlugin({ production: true, introspection: false }).runtimeOptions?.disableIntrospection;
    expect(off).toBeDefined();
    // graphql-armor adds one plugin per protection; production adds the suggestion blocker.
    const development = limitsPlugin({ production: false, introspection: true }).runtime?.length ?? 0;
    expect(limitsPlugin({ production: true, introspection: false }).runtime?.length).toBe(development + 1);
  });
});
