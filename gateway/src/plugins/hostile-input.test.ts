import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { startTestGraph, type TestGraph } from '../testing.js';
import { INPUT_LIMITS } from './hostile-input/refusals.js';

/**
 * The fuzz corpus of issue 23's findings: each answered a 500 with a multi-line stack trace on
 * stderr before. Each must answer a 4xx with a code, and print no stack. The response cache is on,
 * as in production: its key code is where deep variables overflowed the stack.
 */
interface HostileCase {
  readonly name: string;
  readonly method?: 'GET' | 'POST';
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly status: number;
  readonly code: string;
}

const FILTERED = 'query Q($f: StpFilter) { stps(filter: $f) { totalCount } }';
const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const NUL_NAME = JSON.stringify({ f: { nameContains: 'a\u0000b' } });
const LONG_NAME = JSON.stringify({ f: { nameContains: 'x'.repeat(900_000) } });
/** A form post as a browser's <form> sends it, with a CSRF header (docs/security.md): the runtime reads its variables too. */
const FORM = {
  'content-type': 'application/x-www-form-urlencoded',
  'apollo-require-preflight': 'true',
} as const;
const formBody = (variables: string) =>
  `query=${encodeURIComponent(FILTERED)}&variables=${encodeURIComponent(variables)}`;
const getPath = (variables: string) =>
  `/graphql?query=${encodeURIComponent(FILTERED)}&variables=${encodeURIComponent(variables)}`;
const PREFLIGHT = { 'apollo-require-preflight': 'true' } as const;

export const HOSTILE_CORPUS: readonly HostileCase[] = [
  {
    name: 'variables nested 200,000 deep',
    body: `{"query":${JSON.stringify(FILTERED)},"variables":{"f":{"nameContains":${deep(200_000)}}}}`,
    status: 400,
    code: 'QUERY_LIMIT_EXCEEDED',
  },
  {
    name: 'variables nested 200,000 deep in objects',
    body: `{"query":${JSON.stringify(FILTERED)},"variables":${'{"a":'.repeat(150_000)}1${'}'.repeat(150_000)}}`,
    status: 400,
    code: 'QUERY_LIMIT_EXCEEDED',
  },
  {
    name: 'a malformed URI escape on /exports',
    method: 'GET',
    path: '/exports/regions/%/stps.csv',
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a malformed URI escape on rankings',
    method: 'GET',
    path: '/exports/regions/%E0%A4%A/rankings.json',
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'NUL in a string variable',
    body: JSON.stringify({ query: FILTERED, variables: { f: { nameContains: 'a\u0000b' } } }),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'NUL in a string literal',
    body: JSON.stringify({ query: '{ stps(filter: { nameContains: "a\\u0000b" }) { totalCount } }' }),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'an over-long header value',
    headers: { 'x-forwarded-for': '1.2.3.4, '.repeat(1_200) },
    body: JSON.stringify({ query: '{ regions { code } }' }),
    status: 431,
    code: 'BAD_REQUEST',
  },
  {
    name: 'an over-long bearer token',
    headers: { authorization: `Bearer ${'a'.repeat(9_000)}.b.c` },
    body: JSON.stringify({ query: '{ regions { code } }' }),
    status: 431,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a 900 kB string in variables',
    body: JSON.stringify({ query: FILTERED, variables: { f: { nameContains: 'x'.repeat(900_000) } } }),
    status: 400,
    code: 'QUERY_LIMIT_EXCEEDED',
  },
  {
    name: 'a 5,000-character string in a GET',
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(FILTERED)}&variables=${encodeURIComponent(JSON.stringify({ f: { nameContains: 'x'.repeat(5_000) } }))}`,
    headers: { 'apollo-require-preflight': 'true' },
    status: 400,
    code: 'QUERY_LIMIT_EXCEEDED',
  },
  // The checks read variables only from JSON posts and GETs: a form post's NUL answered 200 with
  // INTERNAL_SERVER_ERROR, its 900 kB string passed, and its malformed variables answered 500.
  { name: 'NUL in a form post', headers: FORM, body: formBody(NUL_NAME), status: 400, code: 'BAD_USER_INPUT' },
  {
    name: 'a 900 kB string in a form post',
    headers: FORM,
    body: formBody(LONG_NAME),
    status: 400,
    code: 'QUERY_LIMIT_EXCEEDED',
  },
  {
    name: 'variables nested 100,000 deep in a form post',
    headers: FORM,
    body: formBody(`{"f":{"nameContains":${deep(100_000)}}}`),
    status: 400,
    code: 'QUERY_LIMIT_EXCEEDED',
  },
  {
    name: 'malformed variables in a form post',
    headers: FORM,
    body: formBody('{"f":'),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a form post whose content type also names JSON (the runtime reads the first)',
    headers: { ...FORM, 'content-type': 'application/x-www-form-urlencoded, application/json' },
    body: formBody(NUL_NAME),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    // The runtime reads the first variables parameter, and keeps the mark: its first is the clean
    // one's name with the mark in front, so it reads the second.
    name: 'two variables parameters in a form post behind a byte-order mark',
    headers: FORM,
    body: `\ufeffvariables=${encodeURIComponent('{}')}&variables=${encodeURIComponent(NUL_NAME)}&query=${encodeURIComponent(FILTERED)}`,
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'NUL in a GET',
    method: 'GET',
    path: getPath(NUL_NAME),
    headers: PREFLIGHT,
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'variables nested 1,000 deep in a GET',
    method: 'GET',
    path: getPath(`{"f":{"nameContains":${deep(1_000)}}}`),
    headers: PREFLIGHT,
    status: 400,
    code: 'QUERY_LIMIT_EXCEEDED',
  },
  {
    name: 'malformed variables in a GET',
    method: 'GET',
    path: getPath('{"f":'),
    headers: PREFLIGHT,
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a JSON body behind a byte-order mark',
    body: `\ufeff${JSON.stringify({ query: FILTERED, variables: { f: { nameContains: 'a\u0000b' } } })}`,
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'a multipart post (the graph takes no uploads)',
    headers: { ...PREFLIGHT, 'content-type': 'multipart/form-data; boundary=b' },
    body: `--b\r\ncontent-disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: FILTERED, variables: JSON.parse(NUL_NAME) })}\r\n--b--\r\n`,
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a post in plain text',
    headers: { ...PREFLIGHT, 'content-type': 'text/plain' },
    body: JSON.stringify({ query: FILTERED, variables: JSON.parse(NUL_NAME) }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
];

let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs(), { cache: { ttlMs: 60_000 } });
}, 120_000);
afterAll(async () => graph?.close());

/** Raw node:http, so a header fetch would refuse or normalise is sent as it is. */
function send(c: HostileCase): Promise<{ status: number; text: string; requestId: string | undefined }> {
  const url = new URL(graph.gatewayUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: c.method ?? 'POST',
        path: c.path ?? '/graphql',
        headers: { 'content-type': 'application/json', ...c.headers },
        maxHeaderSize: 64_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            requestId: res.headers['x-request-id'] as string | undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(c.body);
  });
}

describe('hostile input answers a 4xx with a code, never a 500 or a stack trace', () => {
  for (const c of HOSTILE_CORPUS) {
    it(c.name, async () => {
      const printed: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        printed.push(String(chunk));
        return true;
      });
      const errorSpy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(' '));
      });
      let answer: Awaited<ReturnType<typeof send>>;
      try {
        answer = await send(c);
      } finally {
        spy.mockRestore();
        errorSpy.mockRestore();
      }
      const body = JSON.parse(answer.text) as { errors?: { extensions?: { code?: string } }[] };
      expect({ status: answer.status, code: body.errors?.[0]?.extensions?.code }).toEqual({
        status: c.status,
        code: c.code,
      });
      expect(printed.join('')).not.toMatch(/\n\s+at /);
    });
  }

  it('keeps a request id of 8,000 characters out of the answer and the subgraphs', async () => {
    const answer = await send({
      name: 'request id',
      headers: { 'x-request-id': 'r'.repeat(8_000) },
      body: JSON.stringify({ query: '{ regions { code } }' }),
      status: 200,
      code: '',
    });
    expect(answer.status).toBe(200);
    expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('still answers strings up to the limit', async () => {
    const answer = await send({
      name: 'long enough',
      body: JSON.stringify({
        query: FILTERED,
        variables: { f: { nameContains: 'x'.repeat(INPUT_LIMITS.maxVariableStringLength) } },
      }),
      status: 200,
      code: '',
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({
      data: { stps: { totalCount: 0 } },
      extensions: { dataVersion: expect.any(String) },
    });
  });
});
