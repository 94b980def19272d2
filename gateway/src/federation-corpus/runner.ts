import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorpusOperation, ExpectedAnswer, FederationCase } from './cases.js';

/** A gateway under test, serving GraphQL at `url`. */
export interface CorpusGateway {
  readonly url: string;
  close(): Promise<void>;
  /**
   * Answers served from the response cache so far, when the gateway can say: then the repeated
   * request of an answer without errors must be one of them, so "cached" is checked, not assumed.
   */
  cacheHits?(): number;
}

/**
 * Starts a gateway on a supergraph: `subgraphUrls` by subgraph name (each subgraph runs in the
 * test, on port 0), with the response cache on or off.
 */
export type GatewayStarter = (
  supergraphSdl: string,
  subgraphUrls: Readonly<Record<string, string>>,
  cacheOn: boolean,
) => Promise<CorpusGateway>;

export interface RunningCase {
  readonly supergraphSdl: string;
  readonly subgraphUrls: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** A case's subgraphs started on port 0 and composed into its supergraph, as the hub composes its own. */
export async function startCase(fedCase: FederationCase): Promise<RunningCase> {
  const servers: ApolloServer[] = [];
  const subgraphUrls: Record<string, string> = {};
  try {
    for (const subgraph of fedCase.subgraphs) {
      const server = new ApolloServer({
        schema: buildSubgraphSchema({ typeDefs: parse(subgraph.typeDefs), resolvers: subgraph.resolvers }),
        // A stack trace names this file's line numbers: the answers compared must not depend on them.
        includeStacktraceInErrorResponses: false,
      });
      const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
      servers.push(server);
      subgraphUrls[subgraph.name] = url;
    }
    const composed = composeServices(
      fedCase.subgraphs.map((s) => ({
        name: s.name,
        url: subgraphUrls[s.name] ?? '',
        typeDefs: parse(s.typeDefs),
      })),
    );
    if (composed.errors) {
      throw new Error(
        `${fedCase.name}: composition failed:\n${composed.errors.map((e) => `  ${e.message}`).join('\n')}`,
      );
    }
    return {
      supergraphSdl: composed.supergraphSdl,
      subgraphUrls,
      close: async () => {
        await Promise.all(servers.map((s) => s.stop()));
      },
    };
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
}

/** One answer as it came over the wire: the body is the raw text, so "identical" means byte for byte. */
export interface RawAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

/**
 * POSTs an operation as a browser app or codegen client would. The request id is fixed per
 * operation, so the answers with the cache on and off can be compared whole, errors included
 * (the gateway puts the request id in each error).
 */
export async function ask(url: string, operation: CorpusOperation, requestId: string): Promise<RawAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ query: operation.query, variables: operation.variables }),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
}

/** Asserts the answer a correct gateway gives: exactly this data, and exactly these errors (by path and message). */
export function expectAnswer(answer: RawAnswer, expected: ExpectedAnswer): void {
  const body = JSON.parse(answer.body) as {
    data?: unknown;
    errors?: { message: string; path?: (string | number)[] }[];
  };
  expect(answer.status, answer.body).toBe(200);
  expect(body.data, answer.body).toEqual(expected.data);
  if (!expected.errors) {
    expect(body.errors, answer.body).toBeUndefined();
    return;
  }
  expect(
    body.errors?.map((e) => e.path ?? null),
    answer.body,
  ).toEqual(expected.errors.map((e) => e.path ?? null));
  expected.errors.forEach((error, i) => {
    expect(body.errors?.[i]?.message, answer.body).toMatch(error.message);
  });
}

const slug = (text: string) => text.replace(/[^a-z0-9]+/gi, '-').toLowerCase();

/**
 * The corpus as vitest suites, one per case, against the gateway `start` starts. For each
 * operation: the gateway with the cache off answers as expected, and with the cache on it answers
 * the same bytes (status, content type, body) on the first request and on the repeated one.
 */
export function describeFederationCorpus(label: string, start: GatewayStarter, cases: readonly FederationCase[]): void {
  describe(label, () => {
    for (const fedCase of cases) {
      describe(fedCase.name, () => {
        let running: RunningCase;
        let off: CorpusGateway;
        let on: CorpusGateway;
        const answersOff = new Map<string, RawAnswer>();
        beforeAll(async () => {
          running = await startCase(fedCase);
          off = await start(running.supergraphSdl, running.subgraphUrls, false);
          on = await start(running.supergraphSdl, running.subgraphUrls, true);
        });
        afterAll(async () => {
          await Promise.all([off?.close(), on?.close()]);
          await running?.close();
        });

        for (const operation of fedCase.operations) {
          const requestId = `corpus-${slug(fedCase.name)}-${slug(operation.name)}`;
          const offAnswer = async () => {
            let answer = answersOff.get(operation.name);
            if (!answer) {
              answer = await ask(off.url, operation, requestId);
              answersOff.set(operation.name, answer);
            }
            return answer;
          };

          it(`${operation.name}: the cache off answers as expected`, async () => {
            expectAnswer(await offAnswer(), operation.expected);
          });

          it(`${operation.name}: the cache on answers the same bytes, first and repeated`, async () => {
            const expected = await offAnswer();
            const hitsBefore = on.cacheHits?.();
            const first = await ask(on.url, operation, requestId);
            const repeated = await ask(on.url, operation, requestId);
            if (hitsBefore !== undefined && !operation.expected.errors)
              expect.soft(on.cacheHits?.(), 'the repeated request is answered from the cache').toBe(hitsBefore + 1);
            // Both compared even when the first differs: which of the two a cache breaks is the finding.
            expect.soft({ request: 'first', ...first }).toEqual({ request: 'first', ...expected });
            expect.soft({ request: 'repeated', ...repeated }).toEqual({ request: 'repeated', ...expected });
          });
        }
      });
    }
  });
}
