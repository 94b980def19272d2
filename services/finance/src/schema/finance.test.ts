import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';

const finance = subgraphHarness(subgraph);
beforeAll(finance.start);
afterAll(finance.close);

type Gap = Record<string, unknown> & { flags: { code: string; explanation: string }[] };
const entities = (codes: string[], selection: string) =>
  finance.entities<Gap>(
    'Stp',
    codes.map((code) => ({ code })),
    `code ${selection}`,
  );

describe('financial gaps as stated', () => {
  it('answers Lincolnshire: combined only, the provider/commissioner split checked, the 2017/18 deficit flagged provisional', async () => {
    const [qjm] = await entities(
      ['QJM'],
      `financialGap { healthcareGbpM socialCareGbpM combinedGbpM capitalRequiredGbpM horizon flags { code } checks { code holds } sources { line text } }
      financialFacts(kinds: [PROVIDER_GAP, COMMISSIONER_GAP, SYSTEM_DEFICIT, WORKSTREAM_SAVINGS]) { kind amountGbpM amountAsStated source { document { file } line text } flags { code } }`,
    );
    expect(qjm?.financialGap).toEqual({
      healthcareGbpM: null,
      socialCareGbpM: null,
      combinedGbpM: '182',
      capitalRequiredGbpM: '205',
      horizon: '2020/21',
      flags: [],
      checks: [{ code: 'PROVIDER_COMMISSIONER_SPLIT_SUMS_TO_COMBINED', holds: true }],
      sources: [{ line: 841, text: 'Combined: £182 M' }],
    });
    const line843 = 'Provide/Commissioner split of £85/£97M';
    expect(qjm?.financialFacts).toEqual([
      {
        kind: 'PROVIDER_GAP',
        amountGbpM: '85',
        amountAsStated: '£85/£97M',
        source: { document: { file: 'seeds/002_5ca6f18803646174.txt' }, line: 843, text: line843 },
        flags: [{ code: 'UNIT_SHARED' }],
      },
      {
        kind: 'COMMISSIONER_GAP',
        amountGbpM: '97',
        amountAsStated: '£85/£97M',
        source: { document: { file: 'seeds/002_5ca6f18803646174.txt' }, line: 843, text: line843 },
        flags: [],
      },
      {
        kind: 'SYSTEM_DEFICIT',
        amountGbpM: '82.5',
        amountAsStated: '£82.5m',
        source: {
          document: { file: 'seeds/000_647e8cd618725ea4.txt' },
          line: 38,
          text: ' - 2017/18 deficit predicted as £82.5m as a system; final figures are still being worked on',
        },
        flags: [{ code: 'PROVISIONAL' }],
      },
      {
        kind: 'WORKSTREAM_SAVINGS',
        amountGbpM: '60',
        amountAsStated: '£60 million',
        source: expect.objectContaining({ line: 151 }),
        flags: [],
      },
    ]);
  });

  it('keeps exact decimals and the stated text: £1.824 B, £2 B, 399.3, £1,113 M', async () => {
    const [gm, llr, nwl] = await entities(
      ['QOP', 'QK1', 'QRV'],
      'financialGap { healthcareGbpM socialCareGbpM combinedGbpM capitalRequiredGbpM flags { code explanation } }',
    );
    expect(gm?.financialGap).toMatchObject({
      healthcareGbpM: '1824',
      socialCareGbpM: '176',
      combinedGbpM: '2000',
      capitalRequiredGbpM: '1600',
    });
    expect(llr?.financialGap).toMatchObject({
      healthcareGbpM: '341.66',
      socialCareGbpM: '57.7',
      combinedGbpM: '399.3',
      capitalRequiredGbpM: '350',
    });
    // 341.66 + 57.7 = 399.36, not the stated 399.3, but within the precision the figures are stated to
    expect((llr?.financialGap as Gap | undefined)?.flags.map((f) => f.code)).toEqual(['ROUNDING_DIFFERENCE']);
    expect(nwl?.financialGap).toMatchObject({ healthcareGbpM: '1113', socialCareGbpM: '298', combinedGbpM: '1411' });
  });

  it('flags every sum that does not add up, naming the numbers and lines', async () => {
    const { body } = await finance.query<{
      financialGaps: {
        totalCount: number;
        nodes: { stpCode: string; flags: { code: string; explanation: string }[] }[];
      };
    }>(
      `{ financialGaps(filter: { hasFlag: "SUM_MISMATCH" }, orderBy: STP_CODE, descending: false) { totalCount nodes { stpCode flags { code explanation } } } }`,
    );
    const nodes = body.data?.financialGaps.nodes ?? [];
    // Leicester, Leicestershire and Rutland (QK1), Norfolk and Waveney (QMM) and Sussex and East Surrey (QNX)
    // differ only by rounding: see the next test
    expect(nodes.map((n) => n.stpCode)).toEqual(['QF7', 'QM7', 'QWO']);
    const explain = (code: string) =>
      nodes.find((n) => n.stpCode === code)?.flags.find((f) => f.code === 'SUM_MISMATCH')?.explanation;
    expect(explain('QF7')).toBe(
      'Healthcare £641 M (line 533) + social care £107 M (line 537) = £748 M, which is not the stated combined gap £571 M ("£571 M", line 541). The stated figures are kept as written.',
    );
    expect(explain('QWO')).toContain('= £1074 M, which is not the stated combined gap £1740 M ("£1.74 B", line 639)');
    expect(explain('QM7')).toContain('Healthcare £297 M (line 1187) + social care £151 M (line 1191) = £448 M');
  });

  it('tells rounding apart from contradiction: ROUNDING_DIFFERENCE where the stated precisions overlap', async () => {
    const { body } = await finance.query<{
      financialGaps: {
        nodes: {
          stpCode: string;
          healthcareGbpM: string;
          socialCareGbpM: string;
          combinedGbpM: string;
          flags: { code: string; explanation: string }[];
          checks: { code: string; holds: boolean }[];
        }[];
      };
    }>(
      `{ financialGaps(filter: { hasFlag: "ROUNDING_DIFFERENCE" }, orderBy: STP_CODE, descending: false) { nodes { stpCode healthcareGbpM socialCareGbpM combinedGbpM flags { code explanation } checks { code holds } } } }`,
    );
    const nodes = body.data?.financialGaps.nodes ?? [];
    expect(nodes.map((n) => [n.stpCode, n.healthcareGbpM, n.socialCareGbpM, n.combinedGbpM])).toEqual([
      ['QK1', '341.66', '57.7', '399.3'],
      ['QMM', '317', '99', '415.6'],
      ['QNX', '653', '212', '864'],
    ]);
    const llr = nodes[0];
    expect(llr?.flags.map((f) => f.code)).toEqual(['ROUNDING_DIFFERENCE']);
    // the check holds: within the stated precision the parts do sum to the combined gap
    expect(llr?.checks).toEqual([{ code: 'PARTS_SUM_TO_COMBINED', holds: true }]);
    expect(llr?.flags[0]?.explanation).toBe(
      'Healthcare £341.66 M (line 874) + social care £57.7 M (line 874) = £399.36 M; the stated combined gap is £399.3 M ("£399.3 M", line 874), £0.06 M apart. ' +
        'As stated, "£341.66 M" means 341.655-341.665 and "£57.7 M" means 57.65-57.75, so the parts sum to 399.305-399.415; "£399.3 M" means 399.25-399.35. ' +
        'The ranges overlap (399.305-399.35), so the difference is within the precision the figures are stated to: a rounding difference, not a contradiction. The stated figures are kept as written.',
    );
    // 652.5 + 211.5 = 864 is the lowest the parts can be, and 864 stands for 863.5-864.5
    expect(nodes[2]?.flags[0]?.explanation).toContain(
      'so the parts sum to 864-866; "£864 M" means 863.5-864.5. The ranges overlap (864-864.5)',
    );
  });

  it('flags savings that exceed the gap, missing units and duplicated figures', async () => {
    const [shropshire, wy, kent, durham, ntw, somerset] = await entities(
      ['QOC', 'QWO', 'QKS', 'QMK', 'QVP', 'QSL'],
      'proposedSavingsGbpM capitalRequiredGbpM proposedSavings { amountAsStated flags { code } } financialGap { flags { code explanation } } financialFacts(hasFlag: "DUPLICATED_FIGURE") { kind amountGbpM source { line } flags { code explanation } }',
    );
    const codes = (x: Gap | undefined) => (x?.financialGap as Gap | undefined)?.flags.map((f) => f.code);
    expect(shropshire?.proposedSavingsGbpM).toBe('220');
    expect(codes(shropshire)).toEqual(['SAVINGS_EXCEED_GAP']);
    expect(codes(wy)).toEqual(['SUM_MISMATCH', 'SAVINGS_EXCEED_GAP']);
    expect(codes(kent)).toEqual(['SAVINGS_EXCEED_GAP']);
    expect(durham?.proposedSavings).toEqual({ amountAsStated: '£749.8', flags: [{ code: 'UNIT_MISSING' }] });
    expect(codes(durham)).toEqual(['SAVINGS_EXCEED_GAP', 'UNIT_MISSING']);
    const [dup] = (ntw?.financialFacts ?? []) as {
      kind: string;
      amountGbpM: string;
      source: { line: number };
      flags: { code: string; explanation: string }[];
    }[];
    expect(dup).toMatchObject({ kind: 'NET_GAP_AFTER_SAVINGS', amountGbpM: '641', source: { line: 462 } });
    expect(dup?.flags[0]?.explanation).toContain('HEALTHCARE_GAP £641 M (line 452)');
    expect(dup?.flags[0]?.explanation).toContain('South Yorkshire and Bassetlaw (line 533)');
    expect(somerset?.capitalRequiredGbpM).toBe('78.5');
  });

  it('keeps missing figures null, not zero', async () => {
    const [cornwall, devon, york] = await entities(
      ['QT6', 'QJK', 'QOQ'],
      'capitalRequiredGbpM proposedSavingsGbpM financialGap { healthcareGbpM combinedGbpM capitalRequiredGbpM }',
    );
    expect(cornwall).toMatchObject({
      capitalRequiredGbpM: null,
      financialGap: { healthcareGbpM: null, combinedGbpM: '264', capitalRequiredGbpM: null },
    });
    expect(devon).toMatchObject({
      capitalRequiredGbpM: null,
      proposedSavingsGbpM: null,
      financialGap: { combinedGbpM: '557' },
    });
    expect(york).toMatchObject({
      proposedSavingsGbpM: '203',
      financialGap: { healthcareGbpM: null, combinedGbpM: '420' },
    });
  });

  it('ranks by stated figures, sortable and pageable', async () => {
    const { body } = await finance.query<
      Record<
        string,
        { totalCount: number; nodes: { stpCode: string; combinedGbpM: string; capitalRequiredGbpM: string | null }[] }
      >
    >(`{ top: financialGaps(first: 3) { totalCount nodes { stpCode combinedGbpM } }
         capital: financialGaps(orderBy: CAPITAL_REQUIRED, first: 50) { nodes { stpCode capitalRequiredGbpM } }
         some: financialGaps(filter: { stpCodes: ["qjm", "QOC"] }, orderBy: COMBINED_GAP, descending: false) { totalCount nodes { stpCode combinedGbpM } }
         none: financialGaps(first: 0) { totalCount nodes { stpCode combinedGbpM } }
         past: financialGaps(first: 5, offset: 100) { totalCount nodes { stpCode combinedGbpM } } }`);
    // The total is the same however the page falls, even on a page with no rows to carry it.
    expect(body.data?.none).toEqual({ totalCount: 44, nodes: [] });
    expect(body.data?.past).toEqual({ totalCount: 44, nodes: [] });
    expect(body.data?.top).toEqual({
      totalCount: 44,
      nodes: [
        { stpCode: 'QOP', combinedGbpM: '2000' },
        { stpCode: 'QWO', combinedGbpM: '1740' },
        { stpCode: 'QRV', combinedGbpM: '1411' },
      ],
    });
    const capital = body.data?.capital?.nodes ?? [];
    expect(capital[0]).toEqual({ stpCode: 'QOP', capitalRequiredGbpM: '1600' });
    expect(capital.slice(-6).every((n) => n.capitalRequiredGbpM === null)).toBe(true);
    expect(body.data?.some?.nodes).toEqual([
      { stpCode: 'QOC', combinedGbpM: '131' },
      { stpCode: 'QJM', combinedGbpM: '182' },
    ]);
  });

  it('states Annex A facts for Midlands and East of England with the proposed-footprint flag', async () => {
    const { body } = await finance.query<{
      _entities: {
        code: string;
        statedFacts: {
          label: string;
          value: string;
          unit: string;
          proposedRegionName: string;
          source: { line: number };
          flags: { code: string; explanation: string }[];
        }[];
      }[];
    }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Region { code statedFacts { label value unit proposedRegionName source { line } flags { code explanation } } } } }`,
      { r: ['Y60', 'Y61', 'Y54'].map((code) => ({ __typename: 'Region', code })) },
    );
    const [midlands, east, north] = body.data?._entities ?? [];
    const turnover = (r: typeof midlands) =>
      r?.statedFacts.find((f) => f.label === 'Total 16/17 Provider Turnover (£M)');
    expect(turnover(midlands)).toMatchObject({
      value: '13380',
      unit: 'GBP million',
      proposedRegionName: 'Midlands',
      source: { line: 374 },
    });
    expect(turnover(east)).toMatchObject({ value: '8129', proposedRegionName: 'Central & East' });
    expect(midlands?.statedFacts.find((f) => f.label.startsWith('Population'))?.value).toBe('10.1');
    expect(east?.statedFacts.find((f) => f.label === 'No. of CCGs')?.value).toBe('22');
    expect(midlands?.statedFacts.find((f) => f.label === "No. of 'Inadequate' CCGs (16/17)")?.value).toBe('6');
    expect(east?.statedFacts[0]?.flags[0]?.code).toBe('PROPOSED_FOOTPRINT');
    expect(east?.statedFacts[0]?.flags[0]?.explanation).toContain('Northamptonshire');
    expect(north?.statedFacts).toEqual([]);
  });

  it('resolves financial figures for 1 STP and for all 44 in the same number of statements', async () => {
    const all = (
      (await finance.db.selectFrom('stp_finance').select('stp_code').execute()) as { stp_code: string }[]
    ).map((r) => r.stp_code);
    expect(all).toHaveLength(44);
    const selection =
      'financialGap { combinedGbpM flags { code } sources { line } } proposedSavings { amountGbpM } financialFacts { kind }';
    finance.resetCounters();
    await entities(['QJM'], selection);
    const one = finance.statements();
    finance.resetCounters();
    await entities(all, selection);
    expect(finance.statements()).toBe(one);
    expect(one).toBe(2);
  });
});
