import { type LoadableTable, lineNumber, stpOdsCode } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { IcsRow } from './ics.js';
import { parsePopulation } from './population.js';
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
