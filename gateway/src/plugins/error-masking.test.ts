import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { formatGatewayError } from './error-masking.js';

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
