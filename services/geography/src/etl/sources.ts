import { fileURLToPath } from 'node:url';
import { SOURCE, sourceLine, SOURCES_DIR } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';

/** The subgraph's own data folder (with a trailing slash); tests point the steps at an edited copy. */
export const GEOGRAPHY_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

/** The official lists, read where they are kept verbatim under infra/sources/, and the tracker. */
export const {
  TRACKER,
  REGIONS: REGIONS_FILE,
  STPS_2019: STPS_2019_FILE,
  STP_CODE_HISTORY: HISTORY_FILE,
  REFERENCE_README: README_FILE,
} = SOURCE;

export const reference = (file: string): string => SOURCES_DIR + file;
/** The verbatim text of a line of a source document ('' past its end: the citation check reports it). */
export const verbatim = (file: string, at: number): string => sourceLine(file, at) ?? '';

export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date YYYY-MM-DD');
export const partialDate = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'expected YYYY, YYYY-MM or YYYY-MM-DD');
export const odsStp = z.string().regex(/^Q[A-Z0-9]{2}$/, 'expected an STP ODS code such as QJM');
export const onsStp = z.string().regex(/^E54\d{6}$/, 'expected an STP ONS code such as E54000013');
export const odsRegion = z.string().regex(/^Y\d{2}$/, 'expected a region ODS code such as Y60');
export const line = z.coerce.number().int().positive();

/** First day of a partial date's period: "2016" is read as from 2016-01-01, "2016-12" from 2016-12-01. */
export function lowerBound(stated: string): string {
  return stated.length === 4 ? `${stated}-01-01` : stated.length === 7 ? `${stated}-01` : stated;
}

/** The day before an ISO date (validity ends are inclusive; a merger on D ends the old STP on D-1). */
export function dayBefore(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
