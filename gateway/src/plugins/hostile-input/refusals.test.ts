import { describe, expect, it } from 'vitest';
import { headersProblem, INPUT_LIMITS, pathProblem, variablesProblem } from './refusals.js';

describe('what a request carries besides its document', () => {
  it('refuses a header value over the limit with 431, naming it; a long token is fine', () => {
    expect(headersProblem({ authorization: `Bearer ${'x'.repeat(2_000)}` })).toBeUndefined();
    expect(headersProblem({ 'x-request-id': 'r'.repeat(8_193) })).toEqual({
      status: 431,
      code: 'BAD_REQUEST',
      limit: 'maxHeaderLength',
      max: INPUT_LIMITS.maxHeaderLength,
      found: 8_193,
      message: 'Header x-request-id is 8193 characters long; the limit is 8192.',
    });
    // Repeated headers count as the one value Node joins them into.
    expect(headersProblem({ 'set-cookie': ['a'.repeat(5_000), 'b'.repeat(5_000)] })?.found).toBe(10_002);
  });

  it('refuses a path whose percent-escape is malformed, saying how to write "%"', () => {
    expect(pathProblem('/exports/stps.csv')).toBeUndefined();
    expect(pathProblem('/exports/%E0%A4%A')?.message).toBe(
      'The path "/exports/%E0%A4%A" holds a malformed percent-escape: escape "%" as "%25".',
    );
  });

  it('refuses variables nested too deep, a string too long, or NUL, however deep, without recursing', () => {
    let deep: unknown = 'QJM';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(variablesProblem({ f: deep })).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'maxVariableDepth' });
    expect(variablesProblem({ f: { nameContains: 'x'.repeat(1_001) } })).toMatchObject({
      code: 'QUERY_LIMIT_EXCEEDED',
      limit: 'maxVariableStringLength',
      max: 1_000,
      found: 1_001,
    });
    expect(variablesProblem({ codes: ['QJM', 'Q\u0000'] })).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    expect(variablesProblem({ f: { codes: ['QJM'], nameContains: 'x'.repeat(1_000) }, first: 200 })).toBeUndefined();
  });
});
