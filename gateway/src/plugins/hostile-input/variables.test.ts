import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { variablesOf } from './variables.js';

const request = (method: string, url: string, body?: string, type?: string) => ({
  req: { method, url, headers: type === undefined ? {} : { 'content-type': type } } as IncomingMessage,
  body,
});

describe('the variables a request carries, read where the runtime reads them', () => {
  it('reads a JSON POST (each of a batch), a GET and a form, every variables parameter of them', () => {
    const json = 'application/json';
    expect(variablesOf(request('POST', '/graphql', '{"query":"{a}","variables":{"code":"QJM"}}', json))).toEqual([
      { code: 'QJM' },
    ]);
    expect(variablesOf(request('POST', '/graphql', '[{"variables":{"a":1}},{"query":"{b}"}]', json))).toEqual([
      { a: 1 },
      undefined,
    ]);
    // A byte-order mark is dropped, as some decoders drop it.
    expect(
      variablesOf(request('POST', '/graphql', '\ufeff{"variables":{"a":1}}', 'application/json; charset=utf-8')),
    ).toEqual([{ a: 1 }]);
    const get = `/graphql?variables=${encodeURIComponent('{"code":"QJM"}')}&variables=${encodeURIComponent('{"code":"RHA"}')}`;
    expect(variablesOf(request('GET', get))).toEqual([{ code: 'QJM' }, { code: 'RHA' }]);
    expect(variablesOf(request('GET', '/graphql?query={a}&variables='))).toEqual([]);
    const form = `query=${encodeURIComponent('{a}')}&variables=${encodeURIComponent('{"code":"Q\\u0000"}')}`;
    expect(variablesOf(request('POST', '/graphql', form, 'application/x-www-form-urlencoded'))).toEqual([
      { code: 'Q\u0000' },
    ]);
    expect(variablesOf(request('POST', '/graphql', 'query { a }', 'application/graphql'))).toEqual([]);
  });

  it('refuses variables that are not JSON with 400, and a POST in a type the runtime does not read with 415', () => {
    expect(variablesOf(request('POST', '/graphql', '{"variables":', 'application/json'))).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
      message: 'The request body is not JSON.',
    });
    expect(variablesOf(request('GET', '/graphql?variables={'))).toMatchObject({
      status: 400,
      message: 'The variables parameter of the query string is not JSON.',
    });
    expect(variablesOf(request('POST', '/graphql', 'variables={', 'application/x-www-form-urlencoded'))).toMatchObject({
      status: 400,
      message: 'The variables parameter of the form is not JSON.',
    });
    // Yoga reads the first type of a list: a form first is a form, whatever follows.
    expect(
      variablesOf(request('POST', '/graphql', 'variables={', 'application/x-www-form-urlencoded, application/json')),
    ).toMatchObject({ status: 400 });
    for (const type of ['multipart/form-data; boundary=x', 'text/plain', undefined])
      expect(variablesOf(request('POST', '/graphql', '{}', type))).toMatchObject({
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });
  });
});
