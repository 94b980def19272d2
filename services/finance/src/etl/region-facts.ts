import {
  citationOf,
  type DataProblem,
  displayPath,
  type LoadableTable,
  lineNumber,
  readCsv,
  verifyCitations,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { isDecimal, normalize } from '../domain/decimal.js';
import type { NewRegionFact } from '../db/types.js';
import { LINCOLNSHIRE } from '../domain/kinds.js';
import { DATA_FILES, dataPath } from './files.js';

const RegionFactRow = z.object({
  line: lineNumber,
  label: z.string().min(1),
  proposed_region: z.enum(['Central & East', 'Midlands']),
  region_code: z.enum(['Y60', 'Y61']),
  value_as_stated: z.string().refine(isDecimal, 'expected a number as stated, such as 7.3 or 8129'),
  unit: z.enum(['million people', 'count', 'GBP million']),
  text: z.string().min(1),
});

const FOOTPRINT = {
  'Central & East': `Annex A of the 9 May 2018 letter states this for the PROPOSED "Central & East" region (Northamptonshire; Cambridgeshire and Peterborough; Norfolk and Waveney; Suffolk and North East Essex; Bedfordshire, Luton and Milton Keynes; Hertfordshire and West Essex; Mid and South Essex: ${LINCOLNSHIRE} line 340). It is attached to East of England (Y61), which from April 2019 did not include Northamptonshire (it went to Midlands), so the footprints differ. A stated figure, not derived by the hub.`,
  Midlands: `Annex A of the 9 May 2018 letter states this for the PROPOSED "Midlands" region (${LINCOLNSHIRE} line 335), which did not include Northamptonshire; Midlands (Y60) from April 2019 did, so the footprints differ. A stated figure, not derived by the hub.`,
} as const;

/** What is wrong with one row beyond its columns' types: the label and the value must be the cited line's. */
function regionFactProblems(r: z.output<typeof RegionFactRow>): { column: string; reason: string }[] {
  const problems: { column: string; reason: string }[] = [];
  if (!r.text.startsWith(r.label))
    problems.push({
      column: 'label',
      reason: `the cited text does not start with the label ${JSON.stringify(r.label)}`,
    });
  const cells = r.text.split('\t');
  const stated = r.proposed_region === 'Central & East' ? cells[1] : cells[2];
  if (stated !== r.value_as_stated)
    problems.push({
      column: 'value_as_stated',
      reason: `the ${r.proposed_region} column of line ${r.line} reads ${JSON.stringify(stated)}, not ${JSON.stringify(r.value_as_stated)}`,
    });
  return problems;
}

/** The table row one line of the file becomes. */
function regionFact(r: z.output<typeof RegionFactRow>): NewRegionFact {
  return {
    region_code: r.region_code,
    proposed_region_name: r.proposed_region,
    label: r.label,
    value: normalize(r.value_as_stated),
    value_as_stated: r.value_as_stated,
    unit: r.unit,
    source_document: LINCOLNSHIRE,
    source_line: r.line,
    source_text: r.text,
    flags: JSON.stringify([{ code: 'PROPOSED_FOOTPRINT', explanation: FOOTPRINT[r.proposed_region] }]),
  };
}

type LoadedRegionFact = NewRegionFact & {
  region_code: string;
  label: string;
  source_line: number;
  source_text: string;
};

/**
 * `npm run load -- finance region_fact <file>`: a file in annex-a-region-facts.csv's format, each row
 * checked as the seed checks it (the value in the region's column of the cited line), known by its
 * region and label.
 */
export const regionFactLoadable: LoadableTable<LoadedRegionFact> = {
  table: 'region_fact',
  row: RegionFactRow.transform((r, ctx) => {
    for (const { column, reason } of regionFactProblems(r))
      ctx.issues.push({ code: 'custom', path: [column], message: reason, input: r });
    return regionFact(r) as LoadedRegionFact;
  }),
  columns: Object.keys(RegionFactRow.shape),
  key: ['region_code', 'label'],
  citations: (row) => [
    { column: 'text', citation: { document: LINCOLNSHIRE, line: row.source_line, text: row.source_text } },
  ],
};

/**
 * annex-a-region-facts.csv: Annex A's key facts per proposed region (seed 000 lines 365-376). The
 * value must be the one in the region's column of the cited tab-separated line; every fact carries
 * PROPOSED_FOOTPRINT, since the proposed regions are not today's.
 */
export function readRegionFacts(dataDir: string, problems: DataProblem[]): NewRegionFact[] {
  const path = dataPath(dataDir, DATA_FILES.regionFacts);
  const file = displayPath(path);
  const rows = readCsv(path, RegionFactRow, problems);
  verifyCitations(
    path,
    rows.map((r) => ({
      line: r.line,
      column: 'text',
      citation: citationOf(r.value, '', LINCOLNSHIRE),
    })),
    problems,
  );
  const facts: NewRegionFact[] = [];
  for (const { value: r, line: row } of rows) {
    for (const { column, reason } of regionFactProblems(r)) problems.push({ file, line: row, column, reason });
    facts.push(regionFact(r));
  }
  return facts;
}
