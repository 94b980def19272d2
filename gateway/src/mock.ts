import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMocksToSchema, createMockStore, type IMockStore } from '@graphql-tools/mock';
import { answerMediaType } from '@nhs-hub/kit/platform';
import { REPO_ROOT } from '@nhs-hub/kit/repo';
import { parse as parseCsv } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { GraphQLSchema } from 'graphql';

/**
 * The API schema (schema/api.graphql) answered with mock data, for UI work without a database:
 * the real STP and region codes and names of the reference files (stps-2019.csv), every figure a
 * made-up value of a plausible size, and every source text saying it is a mock. Nothing here is
 * the hub's data; the shapes and types are exactly the API's.
 */
interface ReferenceStp {
  readonly stp_ons: string;
  readonly stp_ods: string;
  readonly stp_name_apr2019: string;
  readonly region_ods: string;
  readonly region_ons: string;
  readonly region_name: string;
}

// @graphql-tools/mock loads graphql the way Node resolves it (the CommonJS build); a test runner may
// hand this module the ESM build, and the two refuse each other's types. Use Node's, always.
const { buildSchema, graphql } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export const MOCK_SOURCE_TEXT = 'MOCK DATA: not from any document';

function referenceStps(): ReferenceStp[] {
  return parseCsv(readFileSync(`${REPO_ROOT}infra/sources/reference/stps-2019.csv`, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  }) as ReferenceStp[];
}

/** A counter for figures no key decides: each mock value differs from the last, the same on every start. */
let drawn = 0;
const next = () => String(drawn++);

/** A made-up but stable number for a key: the same code always gets the same mock figures. */
function stableNumber(key: string, min: number, max: number): number {
  let hash = 0;
  for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return min + (hash % (max - min + 1));
}

export function mockSchema(): GraphQLSchema {
  const schema = buildSchema(readFileSync(`${REPO_ROOT}schema/api.graphql`, 'utf8'));
  const stps = referenceStps();
  const regions = [...new Map(stps.map((s) => [s.region_ods, s])).values()];
  const store: IMockStore = createMockStore({
    schema,
    typePolicies: { Stp: { keyFieldName: 'code' }, Region: { keyFieldName: 'code' } },
    mocks: {
      Date: () => '2018-06-01',
      Decimal: () => `${stableNumber(next(), 5, 450)}.${stableNumber(next(), 0, 9)}`,
      Int: () => stableNumber(next(), 1, 40),
      String: () => 'mock text',
      Source: () => ({ text: MOCK_SOURCE_TEXT }),
      Stp: () => {
        const stp = stps[stableNumber(next(), 0, stps.length - 1)] ?? stps[0];
        return stpFields(stp);
      },
      Region: () => {
        const region = regions[stableNumber(next(), 0, regions.length - 1)] ?? regions[0];
        return { code: region?.region_ods, onsCode: region?.region_ons, name: region?.region_name, validTo: null };
      },
    },
  });
  const stpFields = (stp: ReferenceStp | undefined) =>
    stp && {
      code: stp.stp_ods,
      onsCode: stp.stp_ons,
      name: stp.stp_name_apr2019,
      population: stableNumber(stp.stp_ods, 300, 3000) * 1000,
      proposedSavingsGbpM: `${stableNumber(`${stp.stp_ods}s`, 50, 400)}.0`,
      capitalRequiredGbpM: `${stableNumber(`${stp.stp_ods}c`, 20, 600)}`,
    };
  for (const stp of stps) store.set('Stp', stp.stp_ods, stpFields(stp) ?? {});
  for (const region of regions)
    store.set('Region', region.region_ods, {
      code: region.region_ods,
      onsCode: region.region_ons,
      name: region.region_name,
    });
  return addMocksToSchema({
    schema,
    store,
    resolvers: (mocks) => ({
      Query: {
        stp: (_: unknown, { code }: { code: string }) =>
          stps.some((s) => s.stp_ods === code.toUpperCase()) ? mocks.get('Stp', code.toUpperCase()) : null,
        region: (_: unknown, { code }: { code: string }) =>
          regions.some((r) => r.region_ods === code.toUpperCase()) ? mocks.get('Region', code.toUpperCase()) : null,
        regions: () => regions.map((r) => mocks.get('Region', r.region_ods)),
        stps: (_: unknown, { first = 50, offset = 0 }: { first?: number; offset?: number }) => ({
          totalCount: stps.length,
          hasNextPage: offset + first < stps.length,
          nodes: stps.slice(offset, offset + first).map((s) => mocks.get('Stp', s.stp_ods)),
        }),
        regionSnapshot: (_: unknown, { code, asOf }: { code: string; asOf?: string }) => {
          const members = stps.filter((s) => s.region_ods === code.toUpperCase());
          if (!members.length) return null;
          return {
            regionCode: code.toUpperCase(),
            asOf: asOf ?? '2020-01-01',
            stpCodes: members.map((s) => s.stp_ods).sort(),
            stps: members.map((s) => mocks.get('Stp', s.stp_ods)),
          };
        },
      },
    }),
  });
}

export interface MockServer {
  readonly url: string;
  readonly http: Server;
  close(): Promise<void>;
}

const LOCALHOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/** Serves the mocked schema at /graphql (POST JSON or GET), CORS open to localhost pages. */
export async function startMockServer(port = 0, host = '127.0.0.1'): Promise<MockServer> {
  const schema = mockSchema();
  const http = createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && LOCALHOST.test(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-headers', 'content-type, authorization, apollo-require-preflight');
      res.setHeader('vary', 'Origin');
    }
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      let params: { query?: string; variables?: Record<string, unknown>; operationName?: string };
      try {
        params =
          req.method === 'POST'
            ? JSON.parse(Buffer.concat(chunks).toString('utf8'))
            : {
                query: url.searchParams.get('query') ?? undefined,
                variables: JSON.parse(url.searchParams.get('variables') ?? '{}'),
                operationName: url.searchParams.get('operationName') ?? undefined,
              };
      } catch {
        params = {};
      }
      res.setHeader('content-type', answerMediaType(req.headers.accept));
      if (!params.query) {
        res.statusCode = 400;
        return void res.end(
          JSON.stringify({ errors: [{ message: 'Send a GraphQL document', extensions: { code: 'BAD_REQUEST' } }] }),
        );
      }
      const result = await graphql({
        schema,
        source: params.query,
        variableValues: params.variables ?? null,
        operationName: params.operationName ?? null,
      });
      res.end(JSON.stringify(result));
    });
  });
  await new Promise<void>((resolve) => http.listen(port, host, resolve));
  const address = http.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/graphql`,
    http,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
