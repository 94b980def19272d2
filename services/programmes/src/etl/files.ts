import { fileURLToPath } from 'node:url';
import type { DataProblem } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';

/** Folder of the subgraph's data files (with a trailing slash); tests point the steps at an edited copy. */
export const PROGRAMMES_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

export const DATA_FILES = {
  stps: 'tracker-stps.csv',
  trackerItems: 'tracker-items.csv',
  paperPriorities: 'lincolnshire-priorities.csv',
  paperPoints: 'lincolnshire-points.csv',
  outcomes: 'lincolnshire-outcomes.csv',
  programmes: 'programmes.csv',
  programmeSources: 'programme-sources.csv',
} as const;

/** The ODS code of the STP the Lincolnshire paper (seed 000) is about. */
export const LINCOLNSHIRE = 'QJM';

export const position = z.coerce.number().int().positive();
export const programmeCode = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected a programme code such as MENTAL_HEALTH');
export const optional = z.string().transform((s) => (s === '' ? null : s));

export { duplicates } from '@nhs-hub/kit/subgraph';

/** Positions within each group must run 1, 2, 3... so that order is never a guess. */
export function contiguous<T extends { position: number }>(
  items: readonly T[],
  groupOf: (item: T) => string,
  path: string,
  problems: DataProblem[],
): void {
  const groups = new Map<string, number[]>();
  for (const item of items) groups.set(groupOf(item), [...(groups.get(groupOf(item)) ?? []), item.position]);
  for (const [group, positions] of groups) {
    const sorted = [...positions].sort((a, b) => a - b);
    if (sorted.some((p, i) => p !== i + 1))
      problems.push({
        file: path,
        line: 1,
        reason: `${group}: positions ${sorted.join(',')} do not run 1..${sorted.length}`,
      });
  }
}
