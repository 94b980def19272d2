import {
  cite,
  DataFileError,
  type DataProblem,
  type DeriveContext,
  type LoadableTable,
  keyText,
  lineNumber,
  type RowChange,
  stpOdsCode,
} from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { NewRegion } from '../db/types.js';
import { IcsRow } from './ics.js';
import {
  type DatedParent,
  MEMBERSHIP_KEY,
  type MembershipFileRow,
  type MembershipPeriod,
  MembershipRow,
  membershipProblems,
} from './memberships.js';
import { type OnsCodeFileRow, OnsCodeRow, ownCodeProblem, type StpOnsCodeOwner } from './ons-codes.js';
import { parsePopulation } from './population.js';
import { LoadedRegionRow, loadedRegionOf } from './regions.js';
import { TRACKER } from './sources.js';

/**
 * `npm run load -- geography ics_designation <file>`: rows in data/ics-designations.csv's format, the
 * list and wave lines cited verbatim from the tracker as the seed checks them, each ICS known by
 * its STP and name; the STP must be one geography publishes.
 */
export const icsDesignationLoadable: LoadableTable<{
  stp_code: string;
  ics_name: string;
  wave: 'FIRST_WAVE' | 'SECOND_WAVE';
  covers_whole_stp: boolean;
  list_line: number;
  list_text: string;
  wave_line: number;
  wave_text: string;
}> = {
  table: 'ics_designation',
  row: IcsRow.transform(({ stp_ods_code, ...rest }) => ({ stp_code: stp_ods_code, ...rest })),
  columns: Object.keys(IcsRow.shape),
  key: ['stp_code', 'ics_name'],
  references: [{ column: 'stp_code', list: 'stp' }],
  // A corrected wave is cited by the line stating the wave; the list line names the ICS and its STP.
  citations: (row) => [
    {
      column: 'list_text',
      citation: { document: TRACKER, line: row.list_line, text: row.list_text },
      states: ['list_line', 'ics_name'],
    },
    {
      column: 'wave_text',
      citation: { document: TRACKER, line: row.wave_line, text: row.wave_text },
      states: ['wave', 'wave_line'],
    },
  ],
};

const PopulationRow = z.object({
  code: stpOdsCode,
  population_line: lineNumber,
  population_text: z.string().min(1),
});

/**
 * `npm run load -- geography stp <file>` with columns code, population_line, population_text: sets
 * the population of STPs geography has (never adds an STP), read from the cited tracker line as
 * the seed reads it ("1.7 M" is 1,700,000).
 */
export const populationLoadable: LoadableTable<{
  code: string;
  population: number;
  population_line: number;
  population_text: string;
}> = {
  table: 'stp',
  row: PopulationRow.transform((row, ctx) => {
    const population = parsePopulation(row.population_text);
    if (population === null)
      ctx.issues.push({
        code: 'custom',
        path: ['population_text'],
        message: `no population can be read from '${row.population_text}'`,
        input: row,
      });
    return { ...row, population: population ?? 0 };
  }),
  columns: Object.keys(PopulationRow.shape),
  key: ['code'],
  // The STP is the row itself: its changes belong to Stp <code>, as a fact's belong to its stp_code.
  entity: { type: 'Stp', column: 'code' },
  updateOnly: true,
  references: [{ column: 'code', list: 'stp' }],
  citations: (row) => [
    {
      column: 'population_text',
      citation: { document: TRACKER, line: row.population_line, text: row.population_text },
    },
  ],
};

type StoredMembership = MembershipPeriod & {
  readonly source_document: string;
  readonly source_line: number;
};

/**
 * After the memberships are written: every STP the file touched keeps the rules (one region on any
 * day; a membership only while its STP and region existed), read from the tables as the load leaves
 * them, so a row held and a row loaded that would share a day are both named. Writes nothing.
 */
async function checkMemberships(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file }: DeriveContext,
): Promise<readonly RowChange[]> {
  const written = changes.filter((c) => c.table === 'stp_region_membership' && c.op !== 'delete');
  if (written.length === 0) return [];
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const codes = [...new Set(written.map((c) => String(c.key.stp_code)))];
  const { rows: memberships } = await sql<StoredMembership>`select stp_code, region_code, valid_from, valid_to,
      source_document, source_line from ${t('stp_region_membership')}
    where stp_code in (${sql.join(codes)}) order by stp_code, valid_from nulls first`.execute(trx);
  const { rows: stps } = await sql<DatedParent>`select code, name, valid_from, valid_to from ${t('stp')}
    where code in (${sql.join(codes)})`.execute(trx);
  const { rows: regions } = await sql<DatedParent>`select code, name, valid_from, valid_to from ${t('region')}`.execute(
    trx,
  );
  const lineOf = new Map(written.map((c) => [keyText(c.key, MEMBERSHIP_KEY), c.source?.line ?? 0]));
  const lineOfRow = (m: StoredMembership) =>
    lineOf.get(keyText({ stp_code: m.stp_code, valid_from: m.valid_from }, MEMBERSHIP_KEY));
  const problems = membershipProblems(
    memberships,
    new Map(stps.map((s) => [s.code, s])),
    new Map(regions.map((r) => [r.code, r])),
    (m) => lineOfRow(m) !== undefined,
    (m) => {
      const line = lineOfRow(m);
      return line !== undefined ? `line ${line}` : `held, citing ${m.source_document} line ${m.source_line}`;
    },
  );
  if (problems.length)
    throw new DataFileError(
      problems
        .map((p) => ({ file, line: lineOfRow(p.membership) ?? 0, column: p.column, reason: p.reason }))
        .sort((a, b) => a.line - b.line),
    );
  return [];
}

/**
 * `npm run load -- geography stp_region_membership <file>`: region memberships in the table's own
 * columns (stp_code, region_code, valid_from, valid_to, basis, explanation, source_document,
 * source_line, source_text), each citing the line that states it (or the rule inferring it),
 * verbatim. A membership is known by its STP and first day (an empty valid_from: from the STP's
 * start), so closing one is a row with its valid_to and the next is a row of its own. The STP must be
 * one geography publishes; after the write the region must be in its table, and every STP the file
 * touched must be in one region on any day, and only while it and the region existed, or nothing is
 * written, the rows that would share a day named.
 */
export const membershipLoadable: LoadableTable<MembershipFileRow> = {
  table: 'stp_region_membership',
  row: MembershipRow,
  columns: Object.keys(MembershipRow.shape),
  key: MEMBERSHIP_KEY,
  nullableKey: ['valid_from'],
  // stp_code, not region_code: a membership is a fact about the STP (Stp.region), found under it.
  entity: { type: 'Stp', column: 'stp_code' },
  // The region is checked against geography's own table after the write (a region loaded here may
  // be named at once; its reference to the region is checked at commit), not the published list.
  references: [{ column: 'stp_code', list: 'stp' }],
  citations: (row) => [
    { column: 'source_text', citation: cite(row.source_document, row.source_line, row.source_text) },
  ],
  derive: checkMemberships,
};

/**
 * After the regions are written: an ONS code belongs to one region, a region deleted is named by no
 * membership, and every membership of a region the file changed still runs within the region's life
 * (its STPs' other memberships read too, for the rules across them). Writes nothing.
 */
async function checkRegions(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file }: DeriveContext,
): Promise<readonly RowChange[]> {
  const own = changes.filter((c) => c.table === 'region');
  if (own.length === 0) return [];
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const codes = own.map((c) => String(c.key.code));
  const lineOf = new Map(own.map((c) => [String(c.key.code), c.source?.line ?? 0]));
  const { rows: regions } = await sql<DatedParent & { ons_code: string }>`select code, name, ons_code,
      valid_from, valid_to from ${t('region')}`.execute(trx);
  const { rows: memberships } = await sql<StoredMembership>`select stp_code, region_code, valid_from, valid_to,
      source_document, source_line from ${t('stp_region_membership')}
    where stp_code in (select stp_code from ${t('stp_region_membership')} where region_code in (${sql.join(codes)}))
    order by stp_code, valid_from nulls first`.execute(trx);
  const { rows: stps } = await sql<DatedParent>`select code, name, valid_from, valid_to from ${t('stp')}
    where code in (select stp_code from ${t('stp_region_membership')} where region_code in (${sql.join(codes)}))`.execute(
    trx,
  );
  const byCode = new Map(regions.map((r) => [r.code, r]));
  const problems: DataProblem[] = [];
  for (const change of own) {
    const code = String(change.key.code);
    const line = lineOf.get(code) ?? 0;
    const region = byCode.get(code);
    if (!region) {
      const naming = memberships.filter((m) => m.region_code === code);
      if (naming.length)
        problems.push({
          file,
          line,
          column: 'code',
          reason: `region ${code} (${String(change.before?.name ?? '')}) is still the region of ${naming.length} membership(s) (STP ${[...new Set(naming.map((m) => m.stp_code))].join(', ')}): load their changes first`,
        });
      continue;
    }
    const twin = regions.find((r) => r.ons_code === region.ons_code && r.code !== code);
    if (twin)
      problems.push({
        file,
        line,
        column: 'ons_code',
        reason: `ONS code ${region.ons_code} is region ${twin.code} (${twin.name})'s; a region has an ONS code of its own`,
      });
  }
  for (const p of membershipProblems(
    memberships,
    new Map(stps.map((s) => [s.code, s])),
    byCode,
    // A deleted region's memberships are named above.
    (m) => lineOf.has(m.region_code) && byCode.has(m.region_code),
    (m) => `citing ${m.source_document} line ${m.source_line}`,
  ))
    problems.push({ file, line: lineOf.get(p.membership.region_code) ?? 0, column: p.column, reason: p.reason });
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
  return [];
}

/**
 * `npm run load -- geography region <file>`: regions in the regions list's columns (ons_code,
 * ods_code, name, valid_from, valid_to, certainty) with the line of a source document stating each
 * (source_document, source_line, source_text, verbatim) in place of the list's note of its sources;
 * known by their ODS code (a --delete file gives the load file's rows or the table's column `code`). After the write
 * an ONS code must be one region's, a region deleted must be named by no membership, and the
 * memberships of every region changed must run within its life. A region loaded here may be named
 * by geography's memberships at once; other subgraphs' loads check the list publish:references
 * writes from the regions list file (docs/data-releases.md).
 */
export const regionLoadable: LoadableTable<Required<NewRegion>> = {
  table: 'region',
  row: LoadedRegionRow.transform(loadedRegionOf),
  columns: Object.keys(LoadedRegionRow.shape),
  key: ['code'],
  entity: { type: 'Region', column: 'code' },
  // Regions are geography's own list: nothing to check against another's.
  references: [],
  citations: (row) => [
    { column: 'source_text', citation: cite(row.source_document, row.source_line, row.source_text) },
  ],
  derive: checkRegions,
};

/**
 * After the ONS codes are written: every STP whose codes the file touched (or whose own code it
 * names) still has its own ONS code among its codes, so a lookup by that code finds it. Writes nothing.
 */
async function checkOnsCodes(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file }: DeriveContext,
): Promise<readonly RowChange[]> {
  const own = changes.filter((c) => c.table === 'stp_ons_code');
  if (own.length === 0) return [];
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const codes = own.map((c) => String(c.key.ons_code));
  const stpCodes = [
    ...new Set(own.flatMap((c) => [c.before?.stp_code, c.after?.stp_code]).filter((v) => typeof v === 'string')),
  ];
  const { rows: stps } = await sql<StpOnsCodeOwner>`select code, name, ons_code from ${t('stp')}
    where ons_code in (${sql.join(codes)})${stpCodes.length ? sql` or code in (${sql.join(stpCodes)})` : sql``}`.execute(
    trx,
  );
  if (stps.length === 0) return [];
  const { rows } = await sql<{ ons_code: string; stp_code: string }>`select ons_code, stp_code
    from ${t('stp_ons_code')} where ons_code in (${sql.join(stps.map((s) => s.ons_code))})`.execute(trx);
  const lineOf = new Map(own.map((c) => [String(c.key.ons_code), c]));
  const problems: DataProblem[] = [];
  for (const stp of stps) {
    const reason = ownCodeProblem(stp, rows);
    if (!reason) continue;
    const change = lineOf.get(stp.ons_code);
    problems.push({
      file,
      line: change?.source?.line ?? 0,
      column: change?.op === 'delete' ? 'ons_code' : 'stp_code',
      reason,
    });
  }
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
  return [];
}

/**
 * `npm run load -- geography stp_ons_code <file>`: the ONS codes STP footprints have carried, in the
 * table's own columns (ons_code, stp_code, valid_from_stated, valid_to_stated, note,
 * source_document, source_line, source_text), each citing the line that states it, verbatim; known
 * by the ONS code. The STP must be one geography publishes, and every STP keeps its own ONS code
 * (stp.ons_code) among its codes: deleting it, or giving it to another STP, is refused.
 */
export const onsCodeLoadable: LoadableTable<OnsCodeFileRow> = {
  table: 'stp_ons_code',
  row: OnsCodeRow,
  columns: Object.keys(OnsCodeRow.shape),
  key: ['ons_code'],
  entity: { type: 'Stp', column: 'stp_code' },
  references: [{ column: 'stp_code', list: 'stp' }],
  citations: (row) => [
    { column: 'source_text', citation: cite(row.source_document, row.source_line, row.source_text) },
  ],
  derive: checkOnsCodes,
};
