import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CLIENT_NAME, CLIENT_VERSION, clientHeaders, createHubClient, StpOverviewDocument } from '@nhs-hub/client';
import { buildSchema, parse } from 'graphql';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from '../config.js';
import { type RunningGateway, startGateway } from '../gateway.js';
import { breakingChanges, checkedInOperations, combinedUsage, describeBreakingChange } from '../governance.js';
import { postGraphQL, startTestGraph, type TestGraph } from '../testing.js';
import {
  coordinatesOf,
  pruneUsage,
  recordedUsage,
  type RecordedOperation,
  type UsageTarget,
  usageReport,
  usesOf,
  writeUsage,
} from '../usage.js';

/**
 * Field usage by client, through the real gateway: requests of named clients (both header
 * families, and @nhs-hub/client's own), answered by the runtime or by the response cache, are
 * counted per hour, client and operation, with the coordinates each operation touches; written in
 * batches; read back by schema:usage's report and by the breaking-change check.
 */
const op = (name: string) => readFileSync(`${REPO_ROOT}schema/operations/${name}.graphql`, 'utf8');
const FAR = 3_600_000;
// Node's graphql, the one the gateway's schema is built with (see ../usage.ts).
const nodeGraphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

describe('field usage by client', () => {
  let graph: TestGraph;
  let gateway: RunningGateway;
  let target: UsageTarget;
  beforeAll(async () => {
    graph = await startTestGraph(await loadAllSubgraphs());
    target = { db: graph.hub.database.root, schema: graph.hub.schema('usage') };
    gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])),
      port: 0,
      // Batches only when the test says: the timer would write at a moment no assertion expects.
      usage: { database: target.db, schema: target.schema, flushIntervalMs: FAR },
      cache: { ttlMs: 60_000 },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await graph?.close();
  });

  const ask = (query: string, variables: Record<string, unknown>, headers: Record<string, string>) =>
    postGraphQL(gateway.url, query, variables, headers);

  it('counts each client and operation, with every coordinate it touched, written in one batch', async () => {
    const overview = op('StpOverview');
    for (const code of ['QJM', 'QF7', 'QJM'])
      expect((await ask(overview, { code }, clientHeaders('dashboard', '2.1.0'))).status).toBe(200);
    const apollo = { 'apollographql-client-name': 'finance-report', 'apollographql-client-version': '7' };
    expect((await ask(overview, { code: 'QUY' }, apollo)).status).toBe(200);
    expect((await ask('{ stps(first: 2) { nodes { code } } }', {}, {})).status).toBe(200);
    // A document that does not validate is nobody's use of a field.
    expect((await ask('{ stp(code: "QJM") { nope } }', {}, apollo)).status).toBe(400);
    // The third dashboard request for QJM was a response-cache hit, never reaching the runtime.
    expect(gateway.usage?.pending()).toBe(5);
    await gateway.usage?.flush();
    expect(gateway.usage?.pending()).toBe(0);

    const uses = await usesOf(target, ['Stp.financialGap', 'Query.stp(code:)', 'Query.stps(first:)'], 0);
    const summary = uses.map((u) => [u.coordinate, u.clientName, u.clientVersion, u.operationName, u.count]);
    expect(summary).toEqual([
      ['Query.stp(code:)', 'dashboard', '2.1.0', 'StpOverview', 3],
      ['Query.stp(code:)', 'finance-report', '7', 'StpOverview', 1],
      ['Query.stps(first:)', 'unknown', '', null, 1],
      ['Stp.financialGap', 'dashboard', '2.1.0', 'StpOverview', 3],
      ['Stp.financialGap', 'finance-report', '7', 'StpOverview', 1],
    ]);
    for (const u of uses) expect(Date.now() - Date.parse(u.lastSeen)).toBeLessThan(60_000);
    // One operation row per document, its coordinates computed once: StpOverview's, and the anonymous one.
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.id(target.schema, 'operation')}`.execute(target.db);
    expect(rows[0]?.n).toBe(2);
  });

  it('schema:usage lists the clients and operations that used a field, with counts and the time last seen', async () => {
    const report = await usageReport(target, 'Stp.financialGap');
    const lines = report.split('\n');
    expect(lines[0]).toBe('Stp.financialGap: 4 request(s) in the last 90 days, 2 client(s).');
    expect(lines[1]).toMatch(/^client\s+operation\s+requests\s+last seen$/);
    expect(lines[2]).toMatch(/^dashboard@2\.1\.0\s+StpOverview\s+3\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lines[3]).toMatch(/^finance-report@7\s+StpOverview\s+1\s+/);
    expect(await usageReport(target, 'Stp.nickname')).toBe('Stp.nickname: no recorded use in the last 90 days.');
  });

  it('@nhs-hub/client names itself on every request', async () => {
    const client = createHubClient({ uri: gateway.url });
    const answer = await client.query({ query: StpOverviewDocument, variables: { code: 'QOX' } });
    expect(answer.data?.stp?.code).toBe('QOX');
    const version = (
      JSON.parse(readFileSync(`${REPO_ROOT}packages/client/package.json`, 'utf8')) as { version: string }
    ).version;
    expect(CLIENT_VERSION).toBe(version);
    await gateway.usage?.flush();
    const uses = await usesOf(target, ['Stp.financialGap'], 0);
    expect(uses.find((u) => u.clientName === CLIENT_NAME)).toMatchObject({
      clientVersion: CLIENT_VERSION,
      operationName: 'StpOverview',
      count: 1,
    });
  });

  it('names the clients that used a field in a breaking change, within the days asked', async () => {
    const api = readFileSync(`${REPO_ROOT}schema/api.graphql`, 'utf8');
    const supergraphSdl = readFileSync(`${REPO_ROOT}schema/supergraph.graphql`, 'utf8');
    // Stp.financialGap and its description, from Stp's block only.
    const stp = api.indexOf('\ntype Stp ');
    const removed = api.slice(0, stp) + api.slice(stp).replace(/\n {2}"""\n[^"]*"""\n {2}financialGap: [^\n]*\n/, '\n');
    expect(removed).not.toBe(api);
    const usage = combinedUsage(checkedInOperations(), recordedUsage(target, 30));
    const [change] = await breakingChanges(api, removed, { supergraphSdl, allowlist: [], usage });
    expect(change?.path).toBe('Stp.financialGap');
    expect(change?.allowed).toBe(false);
    expect(change?.clients.map((c) => c.client)).toEqual([
      'schema/operations',
      'dashboard@2.1.0',
      `${CLIENT_NAME}@${CLIENT_VERSION}`,
      'finance-report@7',
    ]);
    expect(describeBreakingChange(change ?? never())).toContain(
      'client dashboard@2.1.0: StpOverview (3 request(s), last ',
    );
  });

  it('rolls hours older than a week into days, forgets anything older than 90 days, and reads a window of days', async () => {
    const day = 86_400_000;
    const now = Date.now();
    // Two hours of one day, ten days ago: one row once rolled up.
    const tenDaysAgo = now - 10 * day - ((now - 10 * day) % day) + 6 * 3_600_000;
    const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
    const operation: RecordedOperation = { hash: 'a'.repeat(64), name: 'Old', coordinates: ['Stp.officialName'] };
    const gone: RecordedOperation = { hash: 'b'.repeat(64), name: 'Gone', coordinates: ['Stp.onsCode'] };
    const at = (ms: number, count: number, op: RecordedOperation = operation) => ({
      hour: ms - (ms % 3_600_000),
      clientName: 'archive',
      clientVersion: '1',
      operation: op,
      count,
      lastSeen: ms,
    });
    await writeUsage(
      target,
      [at(tenDaysAgo, 2), at(tenDaysAgo + 3_600_000, 5), at(now - day, 1), at(now - 100 * day, 9, gone)],
      [operation, gone],
    );
    await pruneUsage(target, now);
    const { rows } = await sql<{ span: string; bucket: string; count: number }>`
      select span, to_char(bucket at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as bucket, count
      from ${sql.id(target.schema, 'usage')} where client_name = 'archive' order by bucket`.execute(target.db);
    expect(rows.map((r) => [r.span, r.bucket, Number(r.count)])).toEqual([
      ['day', minute(tenDaysAgo - 6 * 3_600_000), 7],
      ['hour', minute(now - day - ((now - day) % 3_600_000)), 1],
    ]);
    const ops = await sql<{
      hash: string;
    }>`select hash from ${sql.id(target.schema, 'operation')} where name = 'Gone'`.execute(target.db);
    expect(ops.rows).toEqual([]);
    // schema:check's window: the last 5 days see yesterday's request only, the last 30 all eight.
    const countIn = async (days: number) =>
      (
        await recordedUsage(target, days)(['Stp.officialName'], {
          baseline: nodeGraphql.buildSchema('type Query { a: Int }'),
        })
      )
        .get('Stp.officialName')
        ?.find((u) => u.client === 'archive@1')?.count;
    expect(await countIn(5)).toBe(1);
    expect(await countIn(30)).toBe(8);
  });

  it('computes coordinates of fields, arguments and the types they come from, not introspection, with any copy of graphql', () => {
    // The test runner's graphql (ESM), not the one the gateway's schema came from: read by shape.
    const schema = buildSchema(
      'type Query { stp(code: ID!): Stp } type Stp { name: String region: Region } type Region { code: ID name: String }',
    );
    const document = parse(
      'query { __typename stp(code: "QJM") { name ... on Stp { region { code } } ...R } } fragment R on Stp { region { name } }',
    );
    expect(coordinatesOf(schema, document)).toEqual([
      'Query',
      'Query.stp',
      'Query.stp(code:)',
      'Region',
      'Region.code',
      'Region.name',
      'Stp',
      'Stp.name',
      'Stp.region',
    ]);
  });
});

function never(): never {
  throw new Error('expected a breaking change');
}
