import { readdirSync, readFileSync } from 'node:fs';
import { postGraphQL, startTestGraph, type TestGraph } from './testing.js';
import { printSchema, Supergraph } from '@apollo/federation-internals';
import { buildSchema, parse, validate } from 'graphql';
import type {
  AllStpsQuery,
  AllStpsQueryVariables,
  RegionOverviewQuery,
  StpOverviewQuery,
  StpOverviewQueryVariables,
} from '@nhs-hub/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT, SUPERGRAPH_PATH } from './config.js';

/**
 * The public contract: the operations checked into schema/operations, run through the gateway
 * against every subgraph, with answers checked against the seed documents themselves.
 */
const OPERATIONS_DIR = `${REPO_ROOT}schema/operations/`;
const operation = (name: string) => readFileSync(`${OPERATIONS_DIR}${name}.graphql`, 'utf8');

let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
});
afterAll(() => graph.close());

/** What citedLine needs of a citation; the answers' own types are the client's, generated from the operations. */
interface SourceLine {
  document: { file: string };
  line: number;
}
type StpOverview = NonNullable<StpOverviewQuery['stp']>;

const seedLines = new Map<string, string[]>();
/** The verbatim line a source cites, read from the copy in infra/sources. */
function citedLine(source: SourceLine): string {
  let lines = seedLines.get(source.document.file);
  if (!lines) {
    lines = readFileSync(`${REPO_ROOT}infra/sources/${source.document.file}`, 'utf8').split('\n');
    seedLines.set(source.document.file, lines);
  }
  return lines[source.line - 1] ?? '';
}

async function stpOverview(code: string): Promise<StpOverview> {
  const variables: StpOverviewQueryVariables = { code };
  const { status, body } = await postGraphQL<StpOverviewQuery>(graph.gatewayUrl, operation('StpOverview'), variables);
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  if (!body.data?.stp) throw new Error(`no STP ${code}`);
  return body.data.stp;
}

async function allStps(first = 200): Promise<AllStpsQuery['stps']> {
  const variables: AllStpsQueryVariables = { first };
  const { body } = await postGraphQL<AllStpsQuery>(graph.gatewayUrl, operation('AllStps'), variables);
  expect(body.errors).toBeUndefined();
  if (!body.data) throw new Error('no data');
  return body.data.stps;
}

describe('the checked-in operations', () => {
  it('are valid against the API schema of the checked-in supergraph', () => {
    // The API schema is what clients see: the supergraph without federation's internals.
    // Printed and rebuilt: federation-internals loads graphql's CommonJS build, vitest the ESM one.
    const apiSchema = buildSchema(printSchema(Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema()));
    const files = readdirSync(OPERATIONS_DIR).filter((f) => f.endsWith('.graphql'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const errors = validate(apiSchema, parse(readFileSync(`${OPERATIONS_DIR}${file}`, 'utf8')));
      expect(errors.map((e) => `${file}: ${e.message}`)).toEqual([]);
    }
  });
});

describe('StpOverview', () => {
  it('answers Lincolnshire from every subgraph, as the seeds state it', async () => {
    const stp = await stpOverview('QJM');
    expect(stp).toMatchObject({
      code: 'QJM',
      name: 'Lincolnshire',
      population: 700000,
      populationSource: { document: { file: 'seeds/002_5ca6f18803646174.txt' }, line: 819, text: 'Population: 700K' },
      region: { code: 'Y60', name: 'Midlands' },
      regionOnDate: { code: 'Y55', name: 'Midlands and East of England' },
      financialGap: {
        horizon: '2020/21',
        combinedGbpM: '182',
        capitalRequiredGbpM: '205',
        healthcareGbpM: null,
        socialCareGbpM: null,
        flags: [],
      },
      // DERIVED: 182 x 1,000,000 / 700,000.
      gapPerHeadDerived: { gbpPerPerson: '260' },
    });
    expect(stp.leads).toEqual([
      {
        name: 'Allan Kitt',
        role: 'Lead',
        organisation: { id: expect.any(String), name: 'South West Lincolnshire CCG', kind: 'CCG' },
        source: { line: 822, text: expect.stringContaining('Allan Kitt, South West Lincolnshire CCG') },
        flags: [],
      },
    ]);
    expect(stp.priorities.map((p) => p.title)).toContain('Mental Health');
    expect(stp.priorities.find((p) => p.title === 'Mental Health')?.programmes.map((p) => p.code)).toEqual([
      'MENTAL_HEALTH',
    ]);
  });

  it("keeps South Yorkshire and Bassetlaw's contradiction (641 + 107 stated as 571) and flags it", async () => {
    const stp = await stpOverview('QF7');
    expect(stp.financialGap).toMatchObject({ healthcareGbpM: '641', socialCareGbpM: '107', combinedGbpM: '571' });
    expect(stp.financialGap?.flags.map((f) => f.code)).toContain('SUM_MISMATCH');
    expect(stp.financialGap?.sources.map((s) => [s.line, s.text])).toEqual([
      [533, 'Healthcare: £641 M'],
      [537, 'Social care: £107 M'],
      [541, 'Combined: £571 M'],
    ]);
  });

  it("keeps the tracker's duplicated lead for Bristol and for Bath, Swindon and Wiltshire, flagged as the tracker's", async () => {
    for (const code of ['QUY', 'QOX']) {
      const [lead] = (await stpOverview(code)).leads;
      expect(lead?.name).toBe('Robert Woolley');
      expect(lead?.flags.map((f) => f.code)).toContain('DUPLICATED_LEAD');
    }
  });

  it('accepts the ONS code and answers the same STP', async () => {
    expect((await stpOverview('E54000013')).code).toBe('QJM');
  });
});

describe('every STP, in one request and one by one', () => {
  it('answers the same figures both ways, each traceable to its verbatim source line', async () => {
    const list = await allStps();
    expect(list.totalCount).toBe(45);
    expect(list.hasNextPage).toBe(false);
    const withGap = list.nodes.filter((n) => n.financialGap?.combinedGbpM);
    expect(withGap).toHaveLength(44);

    for (const node of list.nodes) {
      const one = await stpOverview(node.code);
      expect({ code: one.code, name: one.name, population: one.population, region: one.region }).toEqual({
        code: node.code,
        name: node.name,
        population: node.population,
        region: node.region,
      });
      expect(one.priorities.map((p) => p.title)).toEqual(node.priorities.map((p) => p.title));
      expect(one.leads.map((l) => [l.name, l.organisation?.name ?? null])).toEqual(
        node.leads.map((l) => [l.name, l.organisation?.name ?? null]),
      );
      for (const lead of one.leads)
        expect(citedLine({ document: { file: 'seeds/002_5ca6f18803646174.txt' }, ...lead.source })).toContain(
          lead.source.text,
        );
      expect(one.financialGap?.combinedGbpM ?? null).toBe(node.financialGap?.combinedGbpM ?? null);
      // Provenance holds for every STP: the cited line says what the answer quotes.
      if (one.populationSource) expect(citedLine(one.populationSource)).toContain(one.populationSource.text);
      for (const source of one.financialGap?.sources ?? []) expect(citedLine(source)).toContain(source.text);
    }
  });

  it('matches the tracker for a sample across regions', async () => {
    const byCode = new Map((await allStps()).nodes.map((n) => [n.code, n]));
    // Greater Manchester: "Healthcare: £1.824 B", "Combined: £2 B" (seed 002 lines 417, 425).
    expect(byCode.get('QOP')).toMatchObject({
      name: 'Greater Manchester',
      population: 2800000,
      region: { code: 'Y62' },
      financialGap: { combinedGbpM: '2000' },
    });
    // West Yorkshire and Harrogate: parts that do not add up, and savings larger than the gap.
    expect(byCode.get('QWO')?.financialGap?.flags.map((f) => f.code)).toEqual(['SUM_MISMATCH', 'SAVINGS_EXCEED_GAP']);
    // Leicester, Leicestershire and Rutland: "£399.3 M", an exact decimal, never 399.29999.
    expect(byCode.get('QK1')?.financialGap?.combinedGbpM).toBe('399.3');
    // Cumbria and North East (QHM) was formed after the tracker: no population, no gap, no lead, no invented figures.
    expect(byCode.get('QHM')).toMatchObject({ population: null, financialGap: null, priorities: [], leads: [] });
    // Every tracker STP has a lead; one line names two CCGs, so its single organisation stays null.
    expect([...byCode.values()].filter((n) => n.leads.length > 0)).toHaveLength(44);
  });

  it('resolves the whole list in the same number of SQL statements for 3 STPs and for all of them', async () => {
    graph.resetCounters();
    await allStps(3);
    const few = graph.statements();
    graph.resetCounters();
    await allStps(200);
    expect(graph.statements()).toBe(few);
  });
});

describe('RegionOverview', () => {
  it("derives Midlands totals from its STPs and keeps Annex A's stated facts beside them", async () => {
    const { body } = await postGraphQL<RegionOverviewQuery>(graph.gatewayUrl, operation('RegionOverview'), {
      code: 'Y60',
      asOf: '2020-01-01',
    });
    expect(body.errors).toBeUndefined();
    const region = body.data?.region;
    const regionSnapshot = body.data?.regionSnapshot;
    if (!region || !regionSnapshot) throw new Error('no Midlands');
    expect(region.name).toBe('Midlands');
    expect(region.statedFacts.find((f) => f.label === 'Population (M) (GP registered 2016)')?.valueAsStated).toBe(
      '10.1',
    );

    // The hub's own arithmetic, checked against the member STPs the list view answers.
    const members = (await allStps()).nodes.filter((n) => regionSnapshot.stpCodes.includes(n.code));
    expect(members).toHaveLength(11);
    const sumTenths = members.reduce((sum, n) => sum + Math.round(Number(n.financialGap?.combinedGbpM ?? 0) * 10), 0);
    expect(regionSnapshot.financialSummary.combinedGapGbpM).toBe('4516.3');
    expect(sumTenths).toBe(45163);
    expect(regionSnapshot.population).toBe(members.reduce((sum, n) => sum + (n.population ?? 0), 0));
    expect(regionSnapshot.population).toBe(10_050_000);
    // 4516.3 x 1,000,000 / 10,050,000 = 449.383..., rounded half-up to pence.
    expect(regionSnapshot.financialSummary.gapPerHeadGbp).toBe('449.38');
    const mentalHealth = regionSnapshot.prioritiesByProgramme.find((p) => p.programme.code === 'MENTAL_HEALTH');
    expect(mentalHealth?.stpCount).toBeGreaterThanOrEqual(1);
  });

  it('answers the five regions of 2018/19 with the STPs of that year', async () => {
    const { body } = await postGraphQL<RegionOverviewQuery>(graph.gatewayUrl, operation('RegionOverview'), {
      code: 'Y55',
      asOf: '2018-06-01',
    });
    expect(body.errors).toBeUndefined();
    expect(body.data?.region?.name).toBe('Midlands and East of England');
    expect(body.data?.regionSnapshot?.stpCodes).toContain('QJM');
    expect(body.data?.regionSnapshot?.stpCodes).toContain('QUE');
  });
});
