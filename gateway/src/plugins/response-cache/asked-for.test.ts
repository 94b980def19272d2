import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HubRequest } from '../../plugin.js';
import { askedFor, requestParams } from './asked-for.js';

const QUERY = 'query StpOverview($code: ID!) { stp(code: $code) { name } }';
const HASH = createHash('sha256').update(QUERY).digest('hex');

function request(method: string, url: string, headers: Record<string, string>, body?: string): HubRequest {
  const req = { method, url, headers } as IncomingMessage;
  return new HubRequest(req, {} as ServerResponse, 'test', body, '/graphql');
}
const post = (params: unknown) =>
  request('POST', '/graphql', { 'content-type': 'application/json' }, JSON.stringify(params));
const get = (params: Record<string, string>) => request('GET', `/graphql?${new URLSearchParams(params)}`, {});

describe('what a request asks for, read before anything is parsed', () => {
  it('is the same for the document sent whole, by persisted hash, by POST and by GET', () => {
    const variables = { code: 'QJM' };
    const whole = askedFor(post({ query: QUERY, variables, operationName: 'StpOverview' }));
    expect(whole).toEqual({ documentHash: HASH, operationName: 'StpOverview', variables });
    const extensions = { persistedQuery: { version: 1, sha256Hash: HASH } };
    expect(askedFor(post({ variables, operationName: 'StpOverview', extensions }))).toEqual(whole);
    expect(
      askedFor(
        get({
          operationName: 'StpOverview',
          variables: JSON.stringify(variables),
          extensions: JSON.stringify(extensions),
        }),
      ),
    ).toEqual(whole);
    // Sent with its hash, a document registers itself: the runtime must see that.
    expect(askedFor(post({ query: QUERY, variables, operationName: 'StpOverview', extensions }))).toBeUndefined();
  });

  it('is nothing the cache may answer when the request is malformed', () => {
    expect(
      askedFor(post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'not a hash' } } })),
    ).toBeUndefined();
    expect(askedFor(post({ query: QUERY, variables: [1, 2] }))).toBeUndefined();
    expect(askedFor(post({ query: QUERY, operationName: 7 }))).toBeUndefined();
    expect(askedFor(request('POST', '/graphql', { 'content-type': 'application/json' }, '{"query":'))).toBeUndefined();
    expect(askedFor(get({ query: QUERY, variables: '{not json' }))).toBeUndefined();
    expect(askedFor(request('POST', '/graphql', { 'content-type': 'text/plain' }, QUERY))).toBeUndefined();
  });
});

describe("a request's parameters, as the @defer routing reads them", () => {
  it("are a JSON POST's body or a GET's query string, unchecked; nothing for anything else", () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: HASH } };
    expect(requestParams(post({ query: QUERY, variables: { first: 2 } }))).toEqual({
      query: QUERY,
      variables: { first: 2 },
    });
    expect(requestParams(get({ query: QUERY, extensions: JSON.stringify(extensions) }))).toEqual({
      query: QUERY,
      operationName: undefined,
      variables: undefined,
      extensions,
    });
    expect(requestParams(post([{ query: QUERY }]))).toBeUndefined();
    expect(requestParams(get({ query: QUERY, variables: '{' }))).toBeUndefined();
    expect(
      requestParams(request('POST', '/graphql', { 'content-type': 'application/graphql' }, QUERY)),
    ).toBeUndefined();
  });
});
