import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The subgraph's own data folder (with a trailing slash); tests point the steps at an edited copy. */
export const GEOGRAPHY_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

/** The data files the steps read, in the data folder (the official lists are read from infra/sources/). */
export const DATA_FILES = {
  trackerStps: 'tracker-stps.csv',
  icsDesignations: 'ics-designations.csv',
} as const;

export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date YYYY-MM-DD');
export const partialDate = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'expected YYYY, YYYY-MM or YYYY-MM-DD');
export const odsRegion = z.string().regex(/^Y\d{2}$/, 'expected a region ODS code such as Y60');

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
