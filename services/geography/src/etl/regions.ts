import { type DataProblem, lineNumber, readCsv } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewRegion } from '../db/types.js';
import { isoDate } from './files.js';
import { REGIONS_FILE, reference, verbatim } from './sources.js';

const RegionRow = z.object({
  ons_code: z.string().regex(/^E40\d{6}$/, 'expected a region ONS code such as E40000008'),
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
    source_document: REGIONS_FILE,
    source_line: at,
    source_text: verbatim(REGIONS_FILE, at),
  }));
}

/**
 * A region as a load file gives it: the regions list's columns, with the line of a source document
 * that states it (source_document, source_line, source_text, verbatim) in place of the list's own
 * note of its sources; an empty valid_to is a region that still exists.
 */
export const LoadedRegionRow = RegionRow.omit({ source: true, valid_to: true })
  .extend({
    valid_to: isoDate.nullish().transform((v) => v ?? null),
    source_document: z.string().min(1),
    source_line: lineNumber,
    source_text: z.string().min(1),
  })
  .superRefine((r, ctx) => {
    if (r.valid_to !== null && r.valid_to < r.valid_from)
      ctx.addIssue({
        code: 'custom',
        path: ['valid_to'],
        message: `valid_to ${r.valid_to} is before valid_from ${r.valid_from}: a region ends on or after the day it begins`,
      });
  });

/** The region row a loaded one writes (the list's ods_code is the table's code). */
export function loadedRegionOf(r: z.output<typeof LoadedRegionRow>): Required<NewRegion> {
  return {
    code: r.ods_code,
    ons_code: r.ons_code,
    name: r.name,
    valid_from: r.valid_from,
    valid_to: r.valid_to,
    valid_from_certainty: r.certainty,
    source_document: r.source_document,
    source_line: r.source_line,
    source_text: r.source_text,
  };
}
