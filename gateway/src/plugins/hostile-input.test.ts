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
