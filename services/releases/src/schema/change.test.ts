import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestGraph, postGraphQL, startTestGraph } from '@nhs-hub/gateway/testing';
import { subgraph as geography } from '@nhs-hub/geography';
import { loadFile, revertRelease, type SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { subgraph as workforce } from '@nhs-hub/workforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph as releases } from '../index.js';

const SEED = 'seeds/000_647e8cd618725ea4.txt';
const HEADER = 'id,stp_code,kind,value,unit,qualifier,statement,source_document,source_line';
const temp = mkdtempSync(join(tmpdir(), 'hub-changes-'));

interface ChangeNode {
  subgraph: string;
  release: number;
  at: string;
  op: string;
  table: string;
  key: string;
  field: string;
  before: string | null;
  after: string | null;
  source: { file: string; line: number; document: string | null; documentLine: number | null } | null;
  entity: { __typename: string; code: string; name?: string } | null;
}
interface ChangesData {
  changes: { nodes: ChangeNode[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
}

const PLAIN = `query Changes($since: String, $first: Int) {
  changes(since: $since, first: $first) { nodes { subgraph release field before after } pageInfo { hasNextPage endCursor } }
}`;
const CHANGES = `query Changes($since: String, $first: Int, $after: String, $subgraph: String, $table: String, $field: String, $entity: ChangeEntityInput) {
  changes(since: $since, first: $first, after: $after, subgraph: $subgraph, table: $table, field: $field, entity: $entity) {
    nodes { subgraph release at op table key field before after
      source { file line document documentLine }
      entity { __typename ... on Stp { code name } ... on Region { code } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

let graph: TestGraph;
let beforeLoad: string;
const ask = async (variables: Record<string, unknown>) => {
  const { status, body } = await postGraphQL<ChangesData>(graph.gatewayUrl, CHANGES, variables);
  return { status, body };
};
const changes = async (variables: Record<string, unknown>) => {
  const { status, body } = await ask(variables);
  if (status !== 200 || body.errors || !body.data) throw new Error(`${status}: ${JSON.stringify(body.errors)}`);
  return body.data.changes;
};

beforeAll(async () => {
  graph = await startTestGraph([geography, workforce, releases] as unknown as SubgraphDefinition<unknown>[]);
  beforeLoad = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const path = join(temp, 'more.csv');
  writeFileSync(
    path,
    `${HEADER}\nworkforce.QJM.1,QJM,VACANCY_RATE,10,PERCENT,≈,high vacancy rate ≈ 9%,${SEED},34\nworkforce.QJM.7,QJM,EXTRA_GPS_IN_POST,27,GPS,,An extra 26 GPs are now in post,${SEED},36\n`,
  );
  const workforceDb = graph.subgraphs.workforce?.db;
  if (!workforceDb) throw new Error('workforce is not running');
  const loadable = workforce.loadables?.workforce_fact;
  if (!loadable) throw new Error('workforce_fact is not loadable');
  await loadFile(workforceDb, loadable, path);
}, 120_000);
afterAll(async () => {
  await graph?.close();
  rmSync(temp, { recursive: true, force: true });
});

describe('changes(since) through the gateway', () => {
  it("gives a load's field changes with before, after, source and the STP through geography", async () => {
    const page = await changes({ since: beforeLoad });
    const update = page.nodes.filter((n) => n.op === 'UPDATE');
    expect(update).toEqual([
      expect.objectContaining({
        subgraph: 'workforce',
        release: 2,
        table: 'workforce_fact',
        key: '{"id":"workforce.QJM.1"}',
        field: 'value',
        before: '9',
        after: '10',
        source: { file: expect.stringMatching(/more\.csv$/), line: 2, document: SEED, documentLine: 34 },
        entity: { __typename: 'Stp', code: 'QJM', name: 'Lincolnshire' },
      }),
    ]);
    const insert = page.nodes.filter((n) => n.op === 'INSERT');
    expect(insert.map((n) => n.field)).toEqual(expect.arrayContaining(['id', 'stp_code', 'kind', 'value', 'unit']));
    expect(insert.find((n) => n.field === 'value')).toMatchObject({ before: null, after: '27', source: { line: 3 } });
    expect(page.pageInfo.hasNextPage).toBe(false);
    // The same from the release before it, and from a data version naming both subgraphs' releases.
    expect((await changes({ since: 'workforce.1' })).nodes).toEqual(page.nodes);
    expect((await changes({ since: 'workforce.1-geography.1' })).nodes).toEqual(page.nodes);
    // After release 0 is everything.
    const everything = await changes({ since: 'workforce.0', subgraph: 'workforce', first: 1000 });
    expect(new Set(everything.nodes.map((n) => n.release))).toEqual(new Set([1, 2]));
  });

  it('filters by subgraph, table, field and entity', async () => {
    const values = await changes({ since: beforeLoad, field: 'value', subgraph: 'workforce', table: 'workforce_fact' });
    expect(values.nodes.map((n) => [n.key, n.before, n.after])).toEqual([
      ['{"id":"workforce.QJM.1"}', '9', '10'],
      ['{"id":"workforce.QJM.7"}', null, '27'],
    ]);
    const elsewhere = await changes({ since: beforeLoad, entity: { type: 'STP', code: 'QJ2' } });
    expect(elsewhere.nodes).toEqual([]);
    const lincolnshire = await changes({ since: beforeLoad, entity: { type: 'STP', code: 'QJM' } });
    expect(lincolnshire.nodes.length).toBeGreaterThan(2);
  });

  it('pages through every change, seeds included, one page at a time, cutting records between fields', async () => {
    const all = await changes({ first: 1000 });
    // Oldest first across subgraphs.
    const times = all.nodes.map((n) => n.at);
    expect([...times].sort()).toEqual(times);
    const walked: ChangeNode[] = [];
    let after: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await changes({ first: 7, ...(after ? { after } : {}) });
      walked.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(walked).toEqual(all.nodes.slice(0, walked.length));
    expect(walked.length).toBe(350);
  });

  it('costs every data subgraph the same statements whatever the page size', async () => {
    const counts: Record<string, number>[] = [];
    for (const first of [1, 10, 100, 1000]) {
      graph.resetCounters();
      const { body } = await postGraphQL<ChangesData>(graph.gatewayUrl, PLAIN, {
        first,
        since: 'workforce.0-geography.0',
      });
      expect(body.data?.changes.nodes.length).toBe(first);
      counts.push(
        Object.fromEntries(Object.entries(graph.subgraphs).map(([name, running]) => [name, running.counter.count])),
      );
    }
    expect(counts[0]?.workforce).toBeGreaterThan(0);
    for (const count of counts) expect(count).toEqual(counts[0]);
  });

  it('refuses a malformed since, after, subgraph or first with BAD_USER_INPUT', async () => {
    for (const variables of [
      { since: 'yesterday' },
      { since: '2026-13-45T00:00:00Z' },
      { since: 'nosuchgraph.3' },
      { since: 'workforce.2-workforce.3' },
      { after: 'not-a-cursor' },
      { after: Buffer.from('{"v":1,"p":{"nowhere":[1,0]}}').toString('base64url') },
      { subgraph: 'nope' },
      { first: 0 },
      { first: 5000 },
      { table: 'x; drop table y' },
    ]) {
      const { status, body } = await ask(variables);
      expect(status, JSON.stringify(variables)).toBe(200);
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    }
    const { body } = await ask({ since: 'workforce.99' });
    expect(body.errors?.[0]).toMatchObject({
      message: 'workforce has no release 99',
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('streams the same changes as CSV at /exports/changes.csv, and refuses a bad since with 400', async () => {
    const gateway = new URL(graph.gatewayUrl).origin;
    const response = await fetch(`${gateway}/exports/changes.csv?since=${encodeURIComponent(beforeLoad)}&field=value`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await response.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'at,subgraph,release,op,table,key,field,before,after,entityType,entityCode,entityName,sourceFile,sourceLine,sourceDocument,sourceDocumentLine',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      new RegExp(
        `,workforce,2,UPDATE,workforce_fact,"\\{""id"":""workforce.QJM.1""\\}",value,9,10,Stp,QJM,Lincolnshire,.*more\\.csv,2,${SEED},34$`,
      ),
    );
    // Every change since the first release: more than one page, walked inside the export.
    const all = await fetch(`${gateway}/exports/changes.csv`);
    expect((await all.text()).trim().split('\r\n').length).toBeGreaterThan(1001);
    const bad = await fetch(`${gateway}/exports/changes.csv?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await fetch(`${gateway}/exports/changes.csv?entity=QJM`)).status).toBe(400);
  });

  it("answers the other subgraphs' changes and names one that is down", async () => {
    const workforceUrl = graph.subgraphs.workforce?.url ?? '';
    const alone = await graph.hub.start(releases, {
      peers: { workforce: workforceUrl, finance: 'http://127.0.0.1:9/graphql' },
    });
    const { status, body } = await postGraphQL<ChangesData>(alone.url, PLAIN, { since: beforeLoad });
    expect(status).toBe(200);
    expect(body.data?.changes.nodes.filter((n) => n.subgraph === 'workforce').length).toBeGreaterThan(2);
    expect(body.data?.changes.pageInfo.hasNextPage).toBe(true);
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^finance did not answer/),
        extensions: expect.objectContaining({ code: 'SUBREQUEST_HTTP_ERROR', serviceName: 'finance' }),
      }),
    ]);
  });

  it('finds a region membership change by its STP, and Stp.region(asOf:) answers the loaded membership', async () => {
    const geographyDb = graph.subgraphs.geography?.db;
    const memberships = geography.loadables?.stp_region_membership;
    if (!geographyDb || !memberships) throw new Error('geography stp_region_membership is not loadable');
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Lincolnshire's April 2019 region misread from Cambridgeshire and Peterborough's line of the list.
    const path = join(temp, 'membership.csv');
    writeFileSync(
      path,
      'stp_code,region_code,valid_from,valid_to,basis,explanation,source_document,source_line,source_text\n' +
        'QJM,Y61,2019-04-01,,STATED,Region from April 2019 (misread).,reference/stps-2019.csv,20,"Y61,E40000007,East of England"\n',
    );
    const loaded = await loadFile(geographyDb, memberships, path);
    const region = async () =>
      (
        await postGraphQL<{ stp: { region: { code: string }; earlier: { code: string } } }>(
          graph.gatewayUrl,
          '{ stp(code: "QJM") { region(asOf: "2019-06-01") { code } earlier: region(asOf: "2018-06-01") { code } } }',
        )
      ).body.data?.stp;
    expect(await region()).toEqual({ region: { code: 'Y61' }, earlier: { code: 'Y55' } });
    const found = await changes({ since: before, entity: { type: 'STP', code: 'QJM' }, field: 'region_code' });
    expect(found.nodes).toEqual([
      expect.objectContaining({
        subgraph: 'geography',
        release: loaded.release,
        op: 'UPDATE',
        table: 'stp_region_membership',
        key: '{"stp_code":"QJM","valid_from":"2019-04-01"}',
        before: 'Y60',
        after: 'Y61',
        source: {
          file: expect.stringMatching(/membership\.csv$/),
          line: 2,
          document: 'reference/stps-2019.csv',
          documentLine: 20,
        },
        entity: { __typename: 'Stp', code: 'QJM', name: 'Lincolnshire' },
      }),
    ]);
    await revertRelease(geographyDb, loaded.release ?? 0);
    expect(await region()).toEqual({ region: { code: 'Y60' }, earlier: { code: 'Y55' } });
  });

  it("finds a population change by its STP: geography's stp rows name their STP by their code column", async () => {
    const geographyDb = graph.subgraphs.geography?.db;
    const population = geography.loadables?.stp;
    if (!geographyDb || !population) throw new Error('geography stp is not loadable');
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Dorset's population misread from Buckinghamshire, Oxfordshire and Berkshire West's tracker line.
    const path = join(temp, 'population.csv');
    writeFileSync(path, 'code,population_line,population_text\nQVV,207,Population: 1.7 M\n');
    const loaded = await loadFile(geographyDb, population, path);
    const dorset = { type: 'STP', code: 'QVV' };
    const found = await changes({ since: before, entity: dorset, field: 'population' });
    expect(found.nodes).toEqual([
      expect.objectContaining({
        subgraph: 'geography',
        release: loaded.release,
        op: 'UPDATE',
        table: 'stp',
        key: '{"code":"QVV"}',
        before: '800000',
        after: '1700000',
        source: {
          file: expect.stringMatching(/population\.csv$/),
          line: 2,
          document: expect.any(String),
          documentLine: 207,
        },
        entity: { __typename: 'Stp', code: 'QVV', name: 'Dorset' },
      }),
    ]);
    // The seed's rows of table stp name their STP the same way.
    const seeded = await changes({
      since: 'geography.0',
      subgraph: 'geography',
      table: 'stp',
      entity: dorset,
      field: 'population',
    });
    expect(seeded.nodes.map((n) => [n.release, n.op, n.after])).toEqual([
      [1, 'INSERT', '800000'],
      [loaded.release, 'UPDATE', '1700000'],
    ]);
  });

  it('gives /exports/changes.csv the ETag of the data version and query: 304 while nothing changed, a new one after a load', async () => {
    const gateway = new URL(graph.gatewayUrl).origin;
    const url = `${gateway}/exports/changes.csv?subgraph=workforce&field=value`;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"x[0-9a-f]{64}"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const text = await first.text();
    expect(text).toContain(',workforce,2,UPDATE,workforce_fact,');

    const unchanged = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    expect(unchanged.headers.get('etag')).toBe(etag);
    // Another query is another file, with a tag of its own.
    const other = await fetch(`${url}&since=workforce.1`);
    expect(other.headers.get('etag')).toMatch(/^"x[0-9a-f]{64}"$/);
    expect(other.headers.get('etag')).not.toBe(etag);
    await other.text();

    const path = join(temp, 'later.csv');
    writeFileSync(
      path,
      `${HEADER}\nworkforce.QJM.7,QJM,EXTRA_GPS_IN_POST,28,GPS,,An extra 26 GPs are now in post,${SEED},36\n`,
    );
    const workforceDb = graph.subgraphs.workforce?.db;
    const loadable = workforce.loadables?.workforce_fact;
    if (!workforceDb || !loadable) throw new Error('workforce_fact is not loadable');
    const loaded = await loadFile(workforceDb, loadable, path);
    // The gateway learns of the release as it would from the load command's announcement.
    await graph.gateway.dataVersion.refresh();
    const changed = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    const newTag = changed.headers.get('etag') ?? '';
    expect(newTag).toMatch(/^"x[0-9a-f]{64}"$/);
    expect(newTag).not.toBe(etag);
    expect(await changed.text()).toMatch(
      new RegExp(`,workforce,${loaded.release},UPDATE,workforce_fact,"\\{""id"":""workforce.QJM.7""\\}",value,27,28,`),
    );
    expect((await fetch(url, { headers: { 'if-none-match': newTag } })).status).toBe(304);
  });
});
