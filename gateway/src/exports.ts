import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify } from 'csv-stringify/sync';
import type {
  ExportChangesQuery,
  ExportChangesQueryVariables,
  ExportRegionRankingsQuery,
  ExportRegionRankingsQueryVariables,
  ExportRegionStpsQuery,
  ExportRegionStpsQueryVariables,
  ExportStpsQuery,
  ExportStpsQueryVariables,
  FinancialFactKind,
  RegionFinanceRankOrder,
} from './generated/exports.js';
import { sendJson } from '@nhs-hub/kit/platform';
import { HubErrorCode } from '@nhs-hub/kit/platform';

/**
 * File exports for directors' tools (Excel, Power BI, scripts pull files, not GraphQL):
 *
 *   GET /exports/stps.csv|json?asOf=YYYY-MM-DD
 *   GET /exports/regions/{code}/stps.csv|json?asOf=YYYY-MM-DD
 *   GET /exports/regions/{code}/rankings.csv|json?asOf=YYYY-MM-DD&by=COMBINED_GAP (scope region:director)
 *   GET /exports/changes.csv?since=...&subgraph=&table=&field=&entity=Stp:QJM (streamed, page after page)
 *
 * Each is one GraphQL operation executed through the gateway's own runtime with the caller's
 * Authorization header, so the scopes, limits, response cache and errors are exactly GraphQL's.
 * The documents live in data/exports/ (shipped in the image beside dist/, unlike schema/): they
 * are the server's, not a client contract; the contract is the columns below. Their answer types
 * are generated from them (generated/exports.ts, `npm run codegen -w @nhs-hub/client`).
 */

/** Paths the front door lets through to the gateway handler for exports. */
export const EXPORT_PATHS: readonly RegExp[] = [
  /^\/exports\/stps\.(csv|json)$/,
  /^\/exports\/regions\/[^/]+\/stps\.(csv|json)$/,
  /^\/exports\/regions\/[^/]+\/rankings\.(csv|json)$/,
  /^\/exports\/changes\.csv$/,
];

export const EXPORT_DOCUMENTS = {
  stps: readFileSync(new URL('../data/exports/ExportStps.graphql', import.meta.url), 'utf8'),
  regionStps: readFileSync(new URL('../data/exports/ExportRegionStps.graphql', import.meta.url), 'utf8'),
  regionRankings: readFileSync(new URL('../data/exports/ExportRegionRankings.graphql', import.meta.url), 'utf8'),
  changes: readFileSync(new URL('../data/exports/ExportChanges.graphql', import.meta.url), 'utf8'),
} as const;

export interface ExportGraphQLResult<TData> {
  data?: TData | null;
  errors?: { message: string; extensions?: { code?: unknown } }[];
}

/** Runs a document through the gateway as the caller (their Authorization header travels with it). */
export type ExecuteAsCaller = <TData, TVariables extends Record<string, unknown>>(
  query: string,
  variables: TVariables,
) => Promise<ExportGraphQLResult<TData>>;

/** A column's kind decides CSV neutralisation: numbers are written as they are, text is defused. */
type ColumnKind = 'text' | 'number';
type Cell = string | number | null;
interface Column<K extends string> {
  readonly key: K;
  readonly kind: ColumnKind;
}

const text = <K extends string>(key: K): Column<K> => ({ key, kind: 'text' });
const num = <K extends string>(key: K): Column<K> => ({ key, kind: 'number' });

export const STP_COLUMNS = [
  text('code'),
  text('onsCode'),
  text('name'),
  text('asOf'),
  text('regionCode'),
  text('regionName'),
  text('leads'),
  text('leadAffiliations'),
  text('leadSources'),
  num('population'),
  text('populationSource'),
  num('healthcareGapGbpM'),
  text('healthcareGapSource'),
  num('socialCareGapGbpM'),
  text('socialCareGapSource'),
  num('combinedGapGbpM'),
  text('combinedGapSource'),
  num('proposedSavingsGbpM'),
  text('proposedSavingsSource'),
  num('capitalRequiredGbpM'),
  text('capitalRequiredSource'),
  text('icsStatus'),
  text('flags'),
  text('workforceStatements'),
  text('workforceQualifiers'),
  text('workforceSources'),
] as const;

export const REGION_STP_COLUMNS = [
  text('basis'),
  text('regionCode'),
  text('regionName'),
  text('asOf'),
  text('stpCode'),
  text('stpName'),
  num('population'),
  num('combinedGapGbpM'),
  num('proposedSavingsGbpM'),
  num('capitalRequiredGbpM'),
  num('gapPerHeadGbpDerived'),
  text('gapPerHeadFormula'),
  text('flags'),
] as const;

export const REGION_RANKING_COLUMNS = [
  text('regionCode'),
  text('regionName'),
  text('asOf'),
  text('rankedBy'),
  num('rank'),
  text('stpCode'),
  text('stpName'),
  num('valueGbpM'),
  num('gbpPerPersonDerived'),
  text('flags'),
] as const;

export const CHANGE_COLUMNS = [
  text('at'),
  text('subgraph'),
  num('release'),
  text('op'),
  text('table'),
  text('key'),
  text('field'),
  text('before'),
  text('after'),
  text('entityType'),
  text('entityCode'),
  text('entityName'),
  text('sourceFile'),
  num('sourceLine'),
  text('sourceDocument'),
  num('sourceDocumentLine'),
] as const;

type Row<C extends readonly Column<string>[]> = Record<C[number]['key'], Cell>;
export type StpExportRow = Row<typeof STP_COLUMNS>;
export type RegionStpExportRow = Row<typeof REGION_STP_COLUMNS>;
export type RegionRankingExportRow = Row<typeof REGION_RANKING_COLUMNS>;
export type ChangeExportRow = Row<typeof CHANGE_COLUMNS>;

/** What `rankings(by:)` ranks on, as the GraphQL enum names it. */
export const RANK_ORDERS: readonly RegionFinanceRankOrder[] = [
  'COMBINED_GAP',
  'CAPITAL_REQUIRED',
  'PROPOSED_SAVINGS',
  'GAP_PER_HEAD',
];

/** Multi-valued cells (two leads, several flags) are joined with this; it never starts a cell. */
export const LIST_SEPARATOR = '; ';

/**
 * OWASP "CSV injection": a spreadsheet runs a cell that begins with one of these as a formula
 * (`=HYPERLINK(...)` exfiltrates, `@SUM` and `+`/`-` evaluate), and tab or carriage return can
 * hide such a character. A single quote before it makes the cell text in Excel, LibreOffice and
 * Google Sheets, and the quote is visible, so the value is not silently changed.
 */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

export function neutraliseText(value: string): string {
  // Every line of the cell, not only its first: a spreadsheet that splits a quoted cell on its line
  // breaks, or a reader that does not honour the quotes, sees each line as a cell of its own.
  const parts = value.split(LINE_BREAK);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part; // the line break itself
      // A cell that starts with a CR starts with a trigger, though its first line is empty.
      const triggered = FORMULA_TRIGGERS.has(part[0] ?? '') || (i === 0 && part === '' && value[0] === '\r');
      return triggered ? `'${part}` : part;
    })
    .join('');
}

/** CRLF, LF or a lone CR, kept by split (a capture group) so the cell comes back whole. */
const LINE_BREAK = /(\r\n|\n|\r)/;

/**
 * RFC 4180 CSV with a UTF-8 BOM (without it Excel reads £ as Â£). Only text columns are
 * neutralised: a figure like -12.5 in a numeric column is a number, and quoting it would turn it
 * into text in every spreadsheet.
 */
export function toCsv<K extends string>(columns: readonly Column<K>[], rows: readonly Record<K, Cell>[]): string {
  return `\uFEFF${csvRecords([columns.map((c) => c.key)])}${csvLines(columns, rows)}`;
}

/** Rows as CSV lines, neutralised as toCsv's: for a file written a page at a time after its header. */
export function csvLines<K extends string>(columns: readonly Column<K>[], rows: readonly Record<K, Cell>[]): string {
  const records = rows.map((row) =>
    columns.map(({ key, kind }) => {
      const value = row[key];
      if (value === null) return '';
      if (kind === 'number') return String(value);
      return neutraliseText(String(value));
    }),
  );
  return csvRecords(records);
}

// Rows end in CRLF; csv-stringify quotes a cell holding the record delimiter, not a lone LF or
// CR, which then started a line of its own ("approx\n=2+3"): any line break is quoted.
const csvRecords = (records: readonly (readonly string[])[]): string =>
  records.length ? stringify(records as string[][], { record_delimiter: 'windows', quoted_match: /[\r\n]/ }) : '';

type ChangeNode = ExportChangesQuery['changes']['nodes'][number];

export function changeRows(nodes: readonly ChangeNode[]): ChangeExportRow[] {
  return nodes.map((c) => ({
    at: c.at,
    subgraph: c.subgraph,
    release: c.release,
    op: c.op,
    table: c.table,
    key: c.key,
    field: c.field,
    before: c.before ?? null,
    after: c.after ?? null,
    entityType: c.entity?.__typename ?? null,
    entityCode: c.entity?.code ?? null,
    entityName: c.entity?.name ?? null,
    sourceFile: c.source?.file ?? null,
    sourceLine: c.source?.line ?? null,
    sourceDocument: c.source?.document ?? null,
    sourceDocumentLine: c.source?.documentLine ?? null,
  }));
}

/** `Stp:QJM` or `Region:Y56`, as the CSV's entity columns write them. */
const ENTITY_PARAM = /^(Stp|Region):([A-Z0-9]{1,12})$/;

/**
 * GET /exports/changes.csv: the header at once, then each page of `changes` as it comes (1,000
 * field changes a page), so a file of every change since the first release never sits in memory.
 * A first page that fails answers its status; one that fails later ends the response unfinished
 * (no terminating chunk), so no client takes a cut file for a whole one.
 */
async function exportChanges(res: ServerResponse, url: URL, execute: ExecuteAsCaller): Promise<void> {
  const param = (name: string) => url.searchParams.get(name) ?? undefined;
  const entityParam = param('entity');
  const entity = entityParam === undefined ? undefined : ENTITY_PARAM.exec(entityParam);
  if (entity === null)
    throw new ExportError(
      400,
      `entity must be Stp:<ODS code> or Region:<ODS code>; got ${JSON.stringify(entityParam?.slice(0, 40))}`,
      HubErrorCode.BAD_USER_INPUT,
    );
  const variables: ExportChangesQueryVariables = {
    since: param('since') ?? null,
    subgraph: param('subgraph') ?? null,
    table: param('table') ?? null,
    field: param('field') ?? null,
    entity: entity ? { type: entity[1] === 'Region' ? 'REGION' : 'STP', code: entity[2] ?? '' } : null,
    after: null,
  };
  let started = false;
  for (;;) {
    const result = await execute<ExportChangesQuery, ExportChangesQueryVariables>(EXPORT_DOCUMENTS.changes, variables);
    // A subgraph that did not answer leaves its changes out of the page: the file would be incomplete.
    if (result.errors?.length || !result.data) {
      if (!started) throw failed(result.errors ?? [{ message: 'no data' }]);
      res.destroy();
      return;
    }
    const page = result.data.changes;
    if (!started) {
      started = true;
      res.statusCode = 200;
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', 'attachment; filename="nhs-changes.csv"');
      // Like every export: the front door's ETag (data version, query, caller's scopes), so a tool
      // polling for changes asks with If-None-Match and gets a 304 until a release lands.
      setExportHeaders(res);
      res.write(`\uFEFF${csvRecords([CHANGE_COLUMNS.map((c) => c.key)])}`);
    }
    if (page.nodes.length) res.write(csvLines(CHANGE_COLUMNS, changeRows(page.nodes)));
    if (!page.pageInfo.hasNextPage) break;
    variables.after = page.pageInfo.endCursor;
  }
  res.end();
}

type StpNode = ExportStpsQuery['stps']['nodes'][number];
const cite = (source: StpNode['populationSource'] | undefined): string | null =>
  source ? `${source.document.file}:${source.line}` : null;
const joined = (values: readonly (string | null)[]): string | null =>
  values.length ? values.map((v) => v ?? '').join(LIST_SEPARATOR) : null;

/**
 * The line stating a figure of the gap: the STP's financial fact of that kind in the tracker
 * section's document with the same amount. An STP can state the same kind twice (Lincolnshire's
 * Board update); the tracker's line is the one the gap figure was read from.
 */
function figureSource(stp: StpNode, kind: FinancialFactKind, amount: string | null): string | null {
  if (amount === null || !stp.financialGap) return null;
  const file = stp.financialGap.sectionSource.document.file;
  return cite(
    stp.figureFacts.find((f) => f.kind === kind && f.amountGbpM === amount && f.source.document.file === file)?.source,
  );
}

export function stpRows(data: ExportStpsQuery, asOf: string): StpExportRow[] {
  return data.stps.nodes.map((stp) => {
    const gap = stp.financialGap;
    return {
      code: stp.code,
      onsCode: stp.onsCode,
      name: stp.name,
      asOf,
      regionCode: stp.region?.code ?? null,
      regionName: stp.region?.name ?? null,
      leads: joined(stp.leads.map((l) => l.name)),
      leadAffiliations: joined(stp.leads.map((l) => l.affiliationAsWritten)),
      leadSources: joined(stp.leads.map((l) => cite(l.source))),
      population: stp.population,
      populationSource: cite(stp.populationSource),
      healthcareGapGbpM: gap?.healthcareGbpM ?? null,
      healthcareGapSource: figureSource(stp, 'HEALTHCARE_GAP', gap?.healthcareGbpM ?? null),
      socialCareGapGbpM: gap?.socialCareGbpM ?? null,
      socialCareGapSource: figureSource(stp, 'SOCIAL_CARE_GAP', gap?.socialCareGbpM ?? null),
      combinedGapGbpM: gap?.combinedGbpM ?? null,
      combinedGapSource: figureSource(stp, 'COMBINED_GAP', gap?.combinedGbpM ?? null),
      proposedSavingsGbpM: gap?.proposedSavingsGbpM ?? null,
      proposedSavingsSource: figureSource(stp, 'PROPOSED_SAVINGS', gap?.proposedSavingsGbpM ?? null),
      capitalRequiredGbpM: gap?.capitalRequiredGbpM ?? null,
      capitalRequiredSource: figureSource(stp, 'CAPITAL_REQUIRED', gap?.capitalRequiredGbpM ?? null),
      icsStatus: stp.icsStatus,
      flags: gap?.flags.length ? gap.flags.map((f) => f.code).join(LIST_SEPARATOR) : null,
      workforceStatements: joined(stp.workforceFacts.map((f) => f.statement)),
      workforceQualifiers: joined(stp.workforceFacts.map((f) => f.qualifier)),
      workforceSources: joined(stp.workforceFacts.map((f) => cite(f.source))),
    };
  });
}

/** The member STPs as stated (per-head gap DERIVED per STP), then one DERIVED row of totals. */
export function regionRows(snapshot: NonNullable<ExportRegionStpsQuery['regionSnapshot']>): RegionStpExportRow[] {
  const common = { regionCode: snapshot.regionCode, regionName: snapshot.region?.name ?? null, asOf: snapshot.asOf };
  const members: RegionStpExportRow[] = snapshot.stps.map((stp) => ({
    basis: 'STATED',
    ...common,
    stpCode: stp.code,
    stpName: stp.name,
    population: stp.population,
    combinedGapGbpM: stp.financialGap?.combinedGbpM ?? null,
    proposedSavingsGbpM: stp.financialGap?.proposedSavingsGbpM ?? null,
    capitalRequiredGbpM: stp.financialGap?.capitalRequiredGbpM ?? null,
    gapPerHeadGbpDerived: stp.gapPerHeadDerived?.gbpPerPerson ?? null,
    gapPerHeadFormula: stp.gapPerHeadDerived?.formula ?? null,
    flags: stp.financialGap?.flags.length ? stp.financialGap.flags.map((f) => f.code).join(LIST_SEPARATOR) : null,
  }));
  const summary = snapshot.financialSummary;
  const total: RegionStpExportRow = {
    basis: 'DERIVED',
    ...common,
    stpCode: null,
    stpName: `TOTAL (DERIVED) of ${snapshot.stps.length} member STPs`,
    population: snapshot.population,
    combinedGapGbpM: summary.combinedGapGbpM,
    proposedSavingsGbpM: summary.proposedSavingsGbpM,
    capitalRequiredGbpM: summary.capitalRequiredGbpM,
    gapPerHeadGbpDerived: summary.gapPerHeadGbp,
    gapPerHeadFormula:
      summary.gapPerHeadGbp === null
        ? `not derived: ${snapshot.populationIsComplete ? '' : 'population incomplete; '}${summary.stpCodesWithoutGap.length ? `no stated gap for ${summary.stpCodesWithoutGap.join(', ')}` : ''}`.replace(
            /; $/,
            '',
          )
        : 'combinedGapGbpM x 1000000 / population (DERIVED)',
    flags: summary.flags.length ? summary.flags.map((f) => f.code).join(LIST_SEPARATOR) : null,
  };
  return [...members, total];
}

/** The league table as GraphQL ranks it, one row per ranked member, named from the snapshot's members. */
export function rankingRows(
  snapshot: NonNullable<ExportRegionRankingsQuery['regionSnapshot']>,
  by: RegionFinanceRankOrder,
): RegionRankingExportRow[] {
  const names = new Map(snapshot.stps.map((s) => [s.code, s.name]));
  return (snapshot.financialSummary.rankings ?? []).map((r) => ({
    regionCode: snapshot.regionCode,
    regionName: snapshot.region?.name ?? null,
    asOf: snapshot.asOf,
    rankedBy: by,
    rank: r.rank,
    stpCode: r.stpCode,
    stpName: names.get(r.stpCode) ?? null,
    valueGbpM: r.valueGbpM,
    gbpPerPersonDerived: r.gbpPerPerson,
    flags: r.financialGap.flags.length ? r.financialGap.flags.map((f) => f.code).join(LIST_SEPARATOR) : null,
  }));
}

/** YYYY-MM-DD and a real calendar day; anything else is the caller's mistake (400). */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

const today = (): string => new Date().toISOString().slice(0, 10);

class ExportError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** GraphQL errors as HTTP statuses: the file either comes whole or not at all. */
function failed(errors: NonNullable<ExportGraphQLResult<unknown>['errors']>): ExportError {
  const codes = errors.map((e) => String(e.extensions?.code ?? ''));
  const message = errors.map((e) => e.message).join('; ');
  if (codes.includes(HubErrorCode.NOT_FOUND)) return new ExportError(404, message, HubErrorCode.NOT_FOUND);
  if (codes.includes(HubErrorCode.BAD_USER_INPUT) || codes.includes(HubErrorCode.GRAPHQL_VALIDATION_FAILED))
    return new ExportError(400, message, HubErrorCode.BAD_USER_INPUT);
  if (codes.includes(HubErrorCode.UNAUTHENTICATED)) return new ExportError(401, message, HubErrorCode.UNAUTHENTICATED);
  if (codes.includes(HubErrorCode.FORBIDDEN)) return new ExportError(403, message, HubErrorCode.FORBIDDEN);
  return new ExportError(
    502,
    `The export could not be completed: ${message}`,
    codes[0] || HubErrorCode.INTERNAL_SERVER_ERROR,
  );
}

function send(res: ServerResponse, format: 'csv' | 'json', fileStem: string, csv: () => string, json: unknown): void {
  res.statusCode = 200;
  res.setHeader('content-disposition', `attachment; filename="${fileStem}.${format}"`);
  setExportHeaders(res);
  if (format === 'csv') {
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.end(csv());
  } else {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(json));
  }
}

const validators = new WeakMap<ServerResponse, Readonly<Record<string, string>>>();

/** The caching headers of a file about to be sent (never of an error). */
function setExportHeaders(res: ServerResponse): void {
  // Exports can carry a director's view; never kept by a shared cache.
  res.setHeader('cache-control', 'private, no-store');
  // The file's validators (ETag, and the caching a 304 repeats), when the front door gave them.
  for (const [name, value] of Object.entries(validators.get(res) ?? {})) res.setHeader(name, value);
}

/**
 * Answers one /exports/... request; `execute` runs a document through the gateway as the caller.
 * `headers` go on the file only (its ETag: an error is never a version of it).
 */
export async function handleExport(
  req: IncomingMessage,
  res: ServerResponse,
  execute: ExecuteAsCaller,
  requestId: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  validators.set(res, headers);
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      throw new ExportError(
        405,
        `Exports are read with GET; ${req.method} is not allowed`,
        HubErrorCode.METHOD_NOT_ALLOWED,
      );
    }
    const asOfParam = url.searchParams.get('asOf');
    if (asOfParam !== null && !isIsoDate(asOfParam)) {
      throw new ExportError(
        400,
        `asOf must be an ISO 8601 calendar date (YYYY-MM-DD); got "${asOfParam}"`,
        HubErrorCode.BAD_USER_INPUT,
      );
    }
    if (url.pathname === '/exports/changes.csv') return await exportChanges(res, url, execute);
    const stps = /^\/exports\/stps\.(csv|json)$/.exec(url.pathname);
    if (stps) {
      const format = stps[1] as 'csv' | 'json';
      const asOf = asOfParam ?? today();
      const nodes: StpNode[] = [];
      let page: ExportStpsQuery['stps'] | undefined;
      do {
        const result = await execute<ExportStpsQuery, ExportStpsQueryVariables>(EXPORT_DOCUMENTS.stps, {
          asOf,
          offset: nodes.length,
        });
        if (result.errors?.length || !result.data) throw failed(result.errors ?? [{ message: 'no data' }]);
        page = result.data.stps;
        nodes.push(...page.nodes);
      } while (page.hasNextPage && page.nodes.length > 0);
      // A list that changed between pages must not come out with rows missing or twice.
      if (nodes.length !== page.totalCount)
        throw new ExportError(
          502,
          `The export holds ${nodes.length} of ${page.totalCount} STPs; the data changed while it was read, try again`,
          HubErrorCode.INCOMPLETE,
        );
      const rows = stpRows({ stps: { ...page, nodes } }, asOf);
      return send(res, format, `nhs-stps-${asOf}`, () => toCsv(STP_COLUMNS, rows), { asOf, stps: rows });
    }
    const region = /^\/exports\/regions\/([^/]+)\/stps\.(csv|json)$/.exec(url.pathname);
    if (region) {
      const code = decodeURIComponent(region[1] ?? '');
      const format = region[2] as 'csv' | 'json';
      const result = await execute<ExportRegionStpsQuery, ExportRegionStpsQueryVariables>(EXPORT_DOCUMENTS.regionStps, {
        code,
        asOf: asOfParam,
      });
      if (result.errors?.length || !result.data?.regionSnapshot)
        throw failed(
          result.errors ?? [{ message: `No region "${code}"`, extensions: { code: HubErrorCode.NOT_FOUND } }],
        );
      const snapshot = result.data.regionSnapshot;
      const rows = regionRows(snapshot);
      return send(
        res,
        format,
        `nhs-region-${snapshot.regionCode}-stps-${snapshot.asOf}`,
        () => toCsv(REGION_STP_COLUMNS, rows),
        {
          regionCode: snapshot.regionCode,
          regionName: snapshot.region?.name ?? null,
          asOf: snapshot.asOf,
          stps: rows.filter((r) => r.basis === 'STATED'),
          totals: rows.find((r) => r.basis === 'DERIVED'),
        },
      );
    }
    const rankings = /^\/exports\/regions\/([^/]+)\/rankings\.(csv|json)$/.exec(url.pathname);
    if (rankings) {
      const code = decodeURIComponent(rankings[1] ?? '');
      const format = rankings[2] as 'csv' | 'json';
      const byParam = url.searchParams.get('by') ?? 'COMBINED_GAP';
      const by = RANK_ORDERS.find((o) => o === byParam);
      if (!by)
        throw new ExportError(
          400,
          `by must be one of ${RANK_ORDERS.join(', ')}; got "${byParam}"`,
          HubErrorCode.BAD_USER_INPUT,
        );
      const result = await execute<ExportRegionRankingsQuery, ExportRegionRankingsQueryVariables>(
        EXPORT_DOCUMENTS.regionRankings,
        { code, asOf: asOfParam, by },
      );
      // Without the scope GraphQL answers the public part with rankings null and FORBIDDEN: a file
      // of the league table comes whole or not at all.
      if (result.errors?.length || !result.data?.regionSnapshot)
        throw failed(
          result.errors ?? [{ message: `No region "${code}"`, extensions: { code: HubErrorCode.NOT_FOUND } }],
        );
      const snapshot = result.data.regionSnapshot;
      const rows = rankingRows(snapshot, by);
      return send(
        res,
        format,
        `nhs-region-${snapshot.regionCode}-rankings-${by.toLowerCase().replaceAll('_', '-')}-${snapshot.asOf}`,
        () => toCsv(REGION_RANKING_COLUMNS, rows),
        {
          regionCode: snapshot.regionCode,
          regionName: snapshot.region?.name ?? null,
          asOf: snapshot.asOf,
          by,
          rankings: rows,
        },
      );
    }
    throw new ExportError(
      404,
      `No export at ${url.pathname}; see /exports/stps.csv, /exports/regions/{code}/stps.csv and /exports/regions/{code}/rankings.csv (or .json), and /exports/changes.csv`,
      HubErrorCode.NOT_FOUND,
    );
  } catch (error) {
    if (!(error instanceof ExportError)) throw error;
    sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code, requestId } }] });
  }
}

/**
 * An ExecuteAsCaller over a Fetch-API handler (the gateway runtime's `fetch`): the request goes
 * through every plugin as a POST /graphql would, with the caller's token and the request id.
 */
export function executeThrough(
  fetchFn: (request: Request) => Promise<Response>,
  req: IncomingMessage,
  requestId: string,
): ExecuteAsCaller {
  return async <TData, TVariables extends Record<string, unknown>>(query: string, variables: TVariables) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-request-id': requestId,
    };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const response = await fetchFn(
      new Request('http://gateway.internal/graphql', {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      }),
    );
    return (await response.json()) as ExportGraphQLResult<TData>;
  };
}
