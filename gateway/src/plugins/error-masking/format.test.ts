import { GraphQLError, type GraphQLErrorOptions } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { formatGatewayError } from './format.js';

const previous = process.env.NODE_ENV;
afterEach(() => {
  process.env.NODE_ENV = previous;
});

/** What a resolver bug or a library throwing inside the gateway looks like once it reaches the formatter. */
const unexpected = () =>
  new GraphQLError('Cannot read properties of undefined (reading "rows") at /srv/hub/dist/hub.mjs:12:3', {
    path: ['stp', 'financialGap'],
    extensions: {
      stacktrace: ['TypeError: Cannot read properties', '    at Object.<anonymous> (/srv/hub/dist/hub.mjs:12:3)'],
    },
  });

describe('an unexpected error', () => {
  it('says only "Internal server error" in production, with its code, the request id and where in the answer', () => {
    process.env.NODE_ENV = 'production';
    expect(formatGatewayError(unexpected(), 'req-1')).toEqual({
      message: 'Internal server error',
      path: ['stp', 'financialGap'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' },
    });
  });

  it('keeps its message and stack outside production, where developers read them', () => {
    process.env.NODE_ENV = 'development';
    const formatted = formatGatewayError(unexpected(), 'req-1');
    expect(formatted.message).toMatch(/^Cannot read properties of undefined/);
    expect(formatted.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' });
    expect(formatted.extensions.stacktrace).toHaveLength(2);
  });
});

describe("a subgraph's answer Hive could not read", () => {
  const unreadable = () =>
    new GraphQLError('Unexpected response: "<html>502 Bad Gateway</html>"', {
      path: ['stp'],
      extensions: { code: 'RESPONSE_VALIDATION_FAILED', serviceName: 'finance' },
    });

  it('is a subgraph failure (SUBREQUEST_HTTP_ERROR) naming the subgraph, quoting the body only outside production', () => {
    process.env.NODE_ENV = 'production';
    expect(formatGatewayError(unreadable(), 'req-2')).toEqual({
      message: 'Subgraph "finance" answered with something that is not a GraphQL response',
      path: ['stp'],
      extensions: { code: 'SUBREQUEST_HTTP_ERROR', serviceName: 'finance', requestId: 'req-2' },
    });
    process.env.NODE_ENV = 'development';
    expect(formatGatewayError(unreadable(), 'req-2').message).toBe(
      'Subgraph "finance" answered with something that is not a GraphQL response (Unexpected response: "<html>502 Bad Gateway</html>")',
    );
  });
});

describe('the table of refusals', () => {
  const format = (message: string, options: GraphQLErrorOptions = {}, name?: string) =>
    formatGatewayError(new GraphQLError(message, options), 'req-3', name);

  it('says which query limit was exceeded, by how much, and how to stay under it (400)', () => {
    expect(format('Syntax Error: Aliases limit of 15 exceeded, found 16.')).toEqual({
      message:
        'Alias limit exceeded: 16 aliases, the limit is 15. Use fewer aliases: fetch lists (e.g. `stps(first:)`) instead of one alias per item.',
      extensions: {
        code: 'QUERY_LIMIT_EXCEEDED',
        limit: 'maxAliases',
        max: 15,
        found: 16,
        http: { status: 400 },
        requestId: 'req-3',
      },
    });
    // The token limit stops counting at the limit: it says "more than".
    expect(format('Syntax Error: Token limit of 4000 exceeded.').message).toMatch(
      /^Token limit exceeded: more than 4000 tokens, the limit is 4000\./,
    );
  });

  it('makes a document that does not parse GRAPHQL_PARSE_FAILED, and any other 400 without a code a validation failure', () => {
    expect(format('Syntax Error: Expected Name, found <EOF>.').extensions).toEqual({
      code: 'GRAPHQL_PARSE_FAILED',
      http: { status: 400 },
      requestId: 'req-3',
    });
    expect(
      format('Cannot query field "nme" on type "Stp".', { extensions: { http: { status: 400 } } }).extensions,
    ).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 }, requestId: 'req-3' });
  });

  it("gives a subgraph's refusal of a value at a field as the caller's input, in the scalar's own words", () => {
    const refused = format(
      'Expected value of type "Date", found "2019-13-45"; Date must be an ISO 8601 calendar date such as "2018-06-01"; got "2019-13-45"',
      { path: ['stp'], extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['at parseIsoDate'] } },
    );
    expect(refused).toEqual({
      message: 'Date must be an ISO 8601 calendar date such as "2018-06-01"; got "2019-13-45"',
      path: ['stp'],
      extensions: { code: 'BAD_USER_INPUT', requestId: 'req-3' },
    });
  });

  it("refuses variables that do not fit their types as the caller's input (400), without a stack", () => {
    const refused = format('Variable "$code" of required type "ID!" was not provided.', {
      extensions: { stacktrace: ['at coerceVariableValues'] },
    });
    expect(refused.extensions).toEqual({ code: 'BAD_USER_INPUT', http: { status: 400 }, requestId: 'req-3' });
  });

  it('names the operation asked for that the document lacks, or asks for a name among several (400)', () => {
    expect(format('Could not determine what operation to execute.', {}, 'Missing')).toEqual({
      message: 'Unknown operation named "Missing".',
      extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 }, requestId: 'req-3' },
    });
    expect(format('Must provide operation name if query contains multiple operations.').message).toBe(
      'Must provide an operation name when the document contains several operations.',
    );
  });

  it('refuses a request without a CSRF header as the caller’s (403), naming the headers to send', () => {
    const refused = format('Required CSRF header(s) not present');
    expect(refused.extensions).toEqual({ code: 'BAD_REQUEST', http: { status: 403 }, requestId: 'req-3' });
    expect(refused.message).toMatch(
      /one of the headers apollo-require-preflight, x-apollo-operation-name, graphql-preflight/,
    );
  });

  it("keeps persisted queries on Apollo's statuses: not found 200 (the client sends the document), a mismatch 400", () => {
    expect(format('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }).extensions).toEqual({
      code: 'PERSISTED_QUERY_NOT_FOUND',
      http: { status: 200 },
      requestId: 'req-3',
    });
    const mismatch = format('PersistedQueryMismatch', { extensions: { code: 'PERSISTED_QUERY_MISMATCH' } });
    expect(mismatch.message).toMatch(/^The document does not hash to the sha256Hash sent with it/);
    expect(mismatch.extensions.http).toEqual({ status: 400 });
  });
});
