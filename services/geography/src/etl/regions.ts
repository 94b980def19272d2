import { type DataProblem, readCsv } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewRegion } from '../db/types.js';
import { isoDate } from './files.js';
import { REGIONS_FILE, reference, verbatim } from './sources.js';

const RegionRow = z.object({
  ons_code: z.string().regex(/^E40\d{6}$/),
  ods_code: z.string().regex(/^Y\d{2}$/, 'expected a region ODS code such as Y60'),
  name: z.string().min(1),
  valid_from: isoDate,
  valid_to: z.union([isoDate, z.literal('')]),
  certainty: z.enum(['stated', 'inferred-date']),
  source: z.string().min(1),
});

/** reference/nhs-england-regions.csv: every region over time, each citing its own line. */
export function readRegions(problems: DataProblem[]): NewRegion[] {
  return readCsv(reference(REGIONS_FILE), RegionRow, problems).map(({ value: r, line: at }) => ({
    code: r.ods_code,
    ons_code: r.ons_code,
    name: r.name,
    valid_from: r.valid_from,
    valid_to: r.valid_to || null,
    valid_from_certainty: r.certainty,
    source_line: at,
    source_text: verbatim(REGIONS_FILE, at),
  }));
}
